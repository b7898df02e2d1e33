"""Shared by the ratings and KPI tests (tests/stats): the fixed Friday and its hall times."""

from __future__ import annotations

import datetime as dt

from devices.base.clock import HALL_TZ

FRIDAY = dt.date(2026, 11, 27)


def at(hour: int, minute: int = 0, second: int = 0, day: dt.date = FRIDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=HALL_TZ)

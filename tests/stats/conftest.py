"""A hall on a fresh data folder with a manual clock on a Friday (2026-11-27), for ratings and KPIs."""

from __future__ import annotations

import pytest

from devices.base.clock import ManualClock
from stats_day import at


@pytest.fixture
def clock():
    return ManualClock(at(8, 30))


@pytest.fixture
def hall(settings, clock):
    from kiosk.root.hall import open_hall

    opened = open_hall(settings, clock)
    yield opened
    opened.close()

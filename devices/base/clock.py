"""Injectable time: the queue, the business day and every timestamp come from here."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import Protocol
from zoneinfo import ZoneInfo

HALL_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """An aware datetime."""


class SystemClock:
    def __init__(self, tz: dt.tzinfo = HALL_TZ) -> None:
        self.tz = tz

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)


class ManualClock:
    """A clock tests and scripts move by hand (`--at`)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=HALL_TZ)
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=HALL_TZ)
        with self._lock:
            self._now = when

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now = self._now + dt.timedelta(**delta)
            return self._now


def parse_local(text: str, tz: dt.tzinfo = HALL_TZ) -> dt.datetime:
    """Parse `2026-11-27T09:30` as hall-local time (an explicit offset is honoured)."""
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when


def business_day(when: dt.datetime, tz: dt.tzinfo = HALL_TZ) -> dt.date:
    """The hall's business day: the local calendar date, never the UTC one."""
    return when.astimezone(tz).date()


def to_stamp(when: dt.datetime) -> str:
    """Timestamps are stored as UTC ISO strings so they sort and compare as text."""
    return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


@functools.lru_cache(maxsize=4096)
def from_stamp(text: str, tz: dt.tzinfo = HALL_TZ) -> dt.datetime:
    """Stored UTC stamp -> aware datetime in hall-local time (for display and maths).

    Remembered: the wait estimate at every issue re-reads the same few hundred recent
    events' stamps (the hand-over times), and parsing them was ~4 % of the hall
    server's CPU under load. A datetime is immutable, so sharing one is safe."""
    return dt.datetime.fromisoformat(text).astimezone(tz)

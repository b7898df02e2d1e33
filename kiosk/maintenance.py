"""Housekeeping the kiosk does by itself, so nobody has to remember a command.

Today: the retention purge (`kiosk db purge`) when the kiosk starts, once per
business day after that, and again when the first ticket of a new day makes the
previous day's holder hashes clearable (see kiosk.retention: a day's hashes go
only once a later day has a ticket, so a clock that jumped ahead cannot clear the
hashes the hall still needs). So a holder hash never outlives its business day by
more than a check interval after the next day's first ticket, just because nobody
ran the command. It runs on its own thread and never stops the kiosk: a failure
(disk full) is logged and tried again at the next check.
"""

from __future__ import annotations

import logging
from typing import Callable

from devices.base.clock import Clock, business_day
from kiosk.config import Settings
from kiosk.periodic import PeriodicThread
from devices.base.errors import KioskError
from kiosk.retention import holder_hash_cutoff, purge_expired_personal_data
from kiosk.store import Store

log = logging.getLogger(__name__)

CHECK_SECONDS = 600


class DailyPurge:
    def __init__(self, settings: Settings, store: Store, clock: Clock, check_seconds: float = CHECK_SECONDS,
                 daily_jobs: tuple[Callable[[], object], ...] = ()) -> None:
        self.settings = settings
        # Run once per business day beside the purge (the drop-off's scan retention).
        self.daily_jobs = daily_jobs
        self.store = store
        self.clock = clock
        self.check_seconds = check_seconds
        self.last_purged_day: str | None = None
        # The cutoff of the last purge: a new one (a ticket on a new day) is due at once.
        self.last_cutoff: str | None = None
        self._periodic = PeriodicThread("daily purge", self.run_if_due, check_seconds)

    def run_if_due(self) -> dict | None:
        """Purge if this business day has not been purged yet, or more has become
        clearable since (one read to tell); the result, or None."""
        today = business_day(self.clock.now()).isoformat()
        try:
            if today == self.last_purged_day:
                with self.store.read() as conn:
                    if holder_hash_cutoff(conn, today) == self.last_cutoff:
                        return None
            result = purge_expired_personal_data(self.settings, self.store, self.clock)
            if today != self.last_purged_day:
                for job in self.daily_jobs:
                    job()
        except KioskError as exc:
            log.error("retention purge failed, will retry in %.0f s: %s", self.check_seconds, exc.message_en)
            return None
        self.last_purged_day = today
        self.last_cutoff = result["before_day"]
        return result

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

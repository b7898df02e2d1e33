"""The hall's `[stats]` thresholds checked by themselves, so a breach reaches the console without a report run.

Two checks, each turning breaches into staff alerts (kiosk.stats.thresholds.refresh_alerts:
raised when found, replaced when the figures change, resolved when gone):

- the live check (source ``stats_live``), every `[stats] live_check_minutes` (5) in the
  hall server: today's figures so far (p90 wait of the tickets called, the longest queue,
  today's satisfaction), anyone *still waiting* longer than long_wait_minutes, and every
  open 差评 follow-up. A wait is the figure a manager acts on within the hour (open a
  window, move a clerk): at 5 minutes an alert comes at most 5 minutes after the 30th
  minute of a wait, for a few reads of today's rows. A daily check would tell them
  tomorrow, when the people have gone home.
- the daily check (source ``stats``, as `kiosk report` raises them), once per business
  day from the maintenance thread (kiosk.maintenance.DailyPurge's daily_jobs) and from
  the server's watch: the whole figures of the last business day that had tickets
  (satisfaction rate, drop-offs done late, the day's p90 wait), a summary for the morning.

Both are idempotent, so the kiosk's maintenance and one or more server processes may run
them side by side: the alerts stay one per (source, code).
"""

from __future__ import annotations

import datetime as dt
import logging

from devices.base.clock import Clock, business_day
from devices.base.errors import KioskError
from kiosk.alerts import AlertLog
from kiosk.config import Settings
from kiosk.periodic import PeriodicThread
from kiosk.queueing.engine import QueueEngine
from kiosk.services.ratings import RatingService
from kiosk.stats import thresholds
from kiosk.stats.kpis import hall_figures
from kiosk.stats.period import Period
from kiosk.store import Store

log = logging.getLogger(__name__)

LIVE_SOURCE = "stats_live"
DAILY_SOURCE = thresholds.ALERT_SOURCE
# Today's figures may breach these before the day is over; the rest wait for the daily check
# (a drop-off due today is not late yet).
LIVE_CODES = ("long_wait", "long_queue", "low_satisfaction")


class ThresholdWatch:
    def __init__(self, settings: Settings, store: Store, engine: QueueEngine, ratings: RatingService,
                 alerts: AlertLog, clock: Clock, interval_seconds: float | None = None) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.ratings = ratings
        self.alerts = alerts
        self.clock = clock
        self.interval_seconds = float(interval_seconds if interval_seconds is not None
                                      else settings.stats.live_check_minutes * 60)
        self.last_daily_day: str | None = None
        self._periodic = PeriodicThread("threshold watch", self._tick, self.interval_seconds)

    # -- the checks ----------------------------------------------------------------------------
    def check_live(self) -> list[thresholds.Breach]:
        """Today so far, who is waiting now, and the open follow-ups; the `stats_live` alerts follow."""
        now = self.clock.now()
        today = business_day(now)
        limits = self.settings.stats
        figures = hall_figures(self.store, self.settings, Period("day", today.isoformat(), today, today), self.clock)
        found = [b for b in thresholds.breaches(figures, limits) if b.code in LIVE_CODES]
        waits = [(t.code, (now - t.arrival_at).total_seconds() / 60.0)
                 for t in self.engine.tickets(statuses=("waiting",))]
        found += thresholds.waiting_now(waits, limits)
        found += thresholds.open_followups_breach(self.ratings.open_followup_count())
        return thresholds.refresh_alerts(found, self.alerts, LIVE_SOURCE)

    def check_last_day(self) -> list[thresholds.Breach]:
        """The last business day before today that had tickets: its whole figures, as the `stats` alerts."""
        today = business_day(self.clock.now())
        day = self._last_day_before(today)
        if day is None:
            return thresholds.refresh_alerts([], self.alerts, DAILY_SOURCE)
        figures = hall_figures(self.store, self.settings, Period("day", day.isoformat(), day, day), self.clock)
        # Open follow-ups are the live check's (all of them, whatever the day): not twice.
        found = [b for b in thresholds.breaches(figures, self.settings.stats) if b.code != "open_followups"]
        self.last_daily_day = today.isoformat()
        return thresholds.refresh_alerts(found, self.alerts, DAILY_SOURCE)

    def run_once(self) -> None:
        """One tick of the server's watch: the live check, and the daily one on a new business day."""
        if self.last_daily_day != business_day(self.clock.now()).isoformat():
            self.check_last_day()
        self.check_live()

    def _last_day_before(self, today: dt.date) -> dt.date | None:
        with self.store.read() as conn:
            row = conn.execute("SELECT MAX(business_day) FROM tickets WHERE business_day < ?",
                               (today.isoformat(),)).fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    # -- the thread ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._periodic.running

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def _tick(self) -> None:
        try:
            self.run_once()
        except KioskError as exc:  # a busy database: the next tick tries again
            log.error("threshold check failed, will retry in %.0f s: %s", self.interval_seconds, exc.message_en)

"""Take a number: the hall's state, issuing (with the waits a busy database needs), the clock check.

The same calls serve the touch screen, `kiosk ticket issue` and the coming hall
server and second kiosk. Issuing is one transaction in the queue engine; this
service adds what every front end needs around it: a bounded wait when another
process holds the database (retried, so the citizen gets exactly one number or a
clear refusal), the staff alert when the clock reads behind the last ticket, and
one consistent snapshot of queues and windows for a status display.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from devices.base.clock import Clock
from kiosk.alerts import AlertLog
from kiosk import texts_zh
from kiosk.config import Settings
from kiosk.errors import ClockBehind, DrawCancelled, StoreBusy
from kiosk.hall_hours import IssuingState, issuing_state
from kiosk.queueing.engine import QueueEngine
from kiosk.queueing.models import CounterResult, IssuedTicket, QueueStatus, WindowStatus

log = logging.getLogger(__name__)

CLOCK_BEHIND_STAFF = "机器时间比已经取出的号还早，取号已暂停。请校正系统时间（日期和钟点）后再试"
# One attempt waits this long for the write lock before the caller hears "still waiting".
ATTEMPT_SECONDS = 1.0


@dataclass(frozen=True)
class HallOverview:
    """What a status display shows: can numbers be taken, who waits, who is being served."""

    issuing: IssuingState
    queues: list[QueueStatus]
    windows: list[WindowStatus]


class HallRules:
    """What the hall's settings and the clock answer alone (no database): shared by the
    local ticket service and the second kiosk's remote one (kiosk.services.remote_hall)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock.now()

    def issuing_state(self) -> IssuingState:
        """Pure computation from the opening hours and the clock: no I/O."""
        return issuing_state(self.settings.hours, self.clock.now())

    def priority_for_age(self, age: int | None) -> str:
        """The priority class a card holder gets by age ("normal" below the configured age)."""
        if age is None or age < self.settings.policy.elderly_priority_age:
            return "normal"
        return "elderly" if "elderly" in self.settings.priority_ids() else "normal"

    def window_hint(self, queue_id: str) -> str:
        """Which windows serve a queue, as the citizen reads it: "1、2号窗口"."""
        return texts_zh.window_hint([w.number for w in self.settings.windows if queue_id in w.queues])


class TicketService(HallRules):
    def __init__(self, settings: Settings, engine: QueueEngine, alerts: AlertLog, clock: Clock) -> None:
        super().__init__(settings, clock)
        self.engine = engine
        self.alerts = alerts
        self._clock_alert_open = False

    # -- the hall's state -----------------------------------------------------------------
    def overview(self) -> HallOverview:
        """Queues and windows from the read connection (never waits for a writer)."""
        return HallOverview(self.issuing_state(), self.engine.status(), self.engine.windows())

    # -- issuing ----------------------------------------------------------------------------
    def take_number(self, queue_id: str, priority: str = "normal", id_number: str | None = None, *,
                    channel: str = "kiosk", wait_seconds: float | None = None,
                    on_still_waiting: Callable[[float], None] | None = None,
                    cancelled: threading.Event | None = None, request_key: str | None = None) -> IssuedTicket:
        """Issue a ticket (one transaction) or raise a KioskError with its Chinese message.

        `request_key`: a kiosk device's idempotency key (already scoped to the device); the
        same key again returns the ticket it drew (QueueEngine.issue).

        With `wait_seconds` the database may be held by another process for that
        long: each attempt waits ATTEMPT_SECONDS for the lock, `on_still_waiting`
        hears the seconds waited so far, and a `cancelled` event stops further
        attempts. A busy attempt wrote nothing (StoreBusy comes before BEGIN
        succeeds), so however many attempts it takes, at most one number is drawn.
        Without `wait_seconds` one attempt waits the store's default.
        """
        if wait_seconds is None:
            return self._issue_once(queue_id, priority, id_number, channel, request_key=request_key)
        started = time.monotonic()
        deadline = started + wait_seconds
        while True:
            if cancelled is not None and cancelled.is_set():
                # Checked before every attempt, the first too: a draw queued behind
                # another for a citizen who has already left never starts.
                raise DrawCancelled("the citizen left before the number was drawn", texts_zh.DRAW_CANCELLED)
            remaining = deadline - time.monotonic()
            with self.engine.store.waiting_at_most(max(0.0, min(ATTEMPT_SECONDS, remaining))):
                try:
                    return self._issue_once(queue_id, priority, id_number, channel, cancelled, request_key)
                except StoreBusy:
                    waited = time.monotonic() - started
                    if time.monotonic() >= deadline:
                        log.warning("no ticket for queue %s: database busy for %.1f s", queue_id, waited)
                        raise
                    if on_still_waiting is not None:
                        on_still_waiting(waited)

    def _issue_once(self, queue_id: str, priority: str, id_number: str | None, channel: str,
                    cancelled: threading.Event | None = None, request_key: str | None = None) -> IssuedTicket:
        # Asked again once the lock is held: a citizen who left while this attempt
        # waited for the database gets no number drawn in their name.
        still_wanted = (lambda: not cancelled.is_set()) if cancelled is not None else None
        try:
            issued = self.engine.issue(queue_id, priority=priority, holder_id_number=id_number, channel=channel,
                                       still_wanted=still_wanted, request_key=request_key)
        except ClockBehind as exc:
            # The citizen is told to ask staff; staff need to know why nobody gets a number.
            log.error("%s", exc.message_en)
            self.alerts.raise_alert("clock", "error", exc.code, CLOCK_BEHIND_STAFF, exc.message_en)
            self._clock_alert_open = True
            raise
        if self._clock_alert_open:  # the clock was set right: the alert (and its button) go away
            self.alerts.resolve("clock", "clock_behind")
            self._clock_alert_open = False
        return issued

    # -- the clock check --------------------------------------------------------------------
    def clock_needs_confirming(self) -> bool:
        return any(alert.source == "clock" and alert.code == "clock_behind" for alert in self.alerts.open_alerts())

    def confirm_clock(self, actor: str = "staff") -> CounterResult:
        """Staff checked the date and time: issuing resumes (`.announcement` is the Chinese result)."""
        result = self.engine.confirm_clock(actor=actor)
        self.alerts.resolve("clock", "clock_behind")
        return result

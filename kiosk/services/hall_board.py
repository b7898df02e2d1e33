"""What the hall's public screens show: the wall display, a ticket's phone page, the live feed.

Everything here is public in the hall (it is what the wall TV shows anyway):
ticket numbers, windows, waiting counts. No holder, no name, no ID number ever
passes through it. The live feed follows the queue's append-only event log, so a
call made by any process of the hall (the counter console, `kiosk ticket call`,
a second kiosk) reaches every display.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from devices.base.clock import Clock, to_stamp
from kiosk import texts_zh
from kiosk.config import Settings
from kiosk.queueing.engine import QueueEngine
from kiosk.queueing.models import Ticket, WaitEstimate

# Events that change what a display or a ticket page shows.
BOARD_KINDS = ("issue", "call", "recall", "start", "finish", "no_show", "transfer", "suspend", "resume",
               "reactivate", "pause_window", "resume_window")
CALL_KINDS = ("call", "recall")
# How many of the latest calls the wall display lists.
RECENT_CALLS = 8

_CHINESE_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Call:
    """One call to announce: `text` is shown, `speech` is spoken (digits read one by one)."""

    event_id: int
    window: int
    code: str
    recall: bool
    at: str
    text: str
    speech: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class BoardWindow:
    number: int
    name: str
    paused: bool
    code: str | None
    status: str | None


@dataclass(frozen=True)
class BoardQueue:
    queue_id: str
    name: str
    waiting: int


@dataclass(frozen=True)
class Board:
    hall_name: str
    business_day: str
    last_event_id: int
    windows: list[BoardWindow]
    queues: list[BoardQueue]
    recent_calls: list[Call]

    def as_dict(self) -> dict:
        return {
            "hall_name": self.hall_name,
            "business_day": self.business_day,
            "last_event_id": self.last_event_id,
            "windows": [w.__dict__ for w in self.windows],
            "queues": [q.__dict__ for q in self.queues],
            "recent_calls": [c.as_dict() for c in self.recent_calls],
        }


@dataclass(frozen=True)
class TicketProgress:
    """A ticket as its holder's phone shows it."""

    code: str
    queue_name: str
    status: str
    status_zh: str
    people_ahead: int
    estimate: WaitEstimate | None
    window: int | None
    message_zh: str
    business_day: str
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "queue_name": self.queue_name,
            "status": self.status,
            "status_zh": self.status_zh,
            "people_ahead": self.people_ahead,
            "wait_text": self.estimate.text_zh if self.estimate else "",
            "window": self.window,
            "message_zh": self.message_zh,
            "business_day": self.business_day,
        }


class HallBoard:
    def __init__(self, settings: Settings, engine: QueueEngine, clock: Clock) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock

    # -- the wall display ---------------------------------------------------------------
    def board(self) -> Board:
        last_event = self.engine.last_event_id()  # first: a change after it is sent again, never lost
        windows = [BoardWindow(w.number, w.name, w.paused, w.current.code if w.current else None,
                               w.current.status if w.current else None) for w in self.engine.windows()]
        queues = [BoardQueue(q.queue_id, q.name, q.waiting) for q in self.engine.status()]
        return Board(self.settings.hall.name, self.engine.today(), last_event, windows, queues, self.recent_calls())

    def recent_calls(self, limit: int = RECENT_CALLS) -> list[Call]:
        """Today's latest calls, newest first."""
        midnight = dt.datetime.combine(dt.date.fromisoformat(self.engine.today()), dt.time.min,
                                       tzinfo=self.clock.now().tzinfo)
        events = self.engine.recent_events(CALL_KINDS, to_stamp(midnight), limit)
        return [call_from_event(e) for e in events]

    # -- the live feed -------------------------------------------------------------------
    def last_event_id(self) -> int:
        return self.engine.last_event_id()

    def changes_after(self, event_id: int, limit: int = 200) -> tuple[int, list[Call], bool]:
        """(newest event id seen, the calls among the new events, did anything on the board change)."""
        events = self.engine.events_after(event_id, limit=limit)
        if not events:
            return event_id, [], False
        calls = [call_from_event(e) for e in events if e["kind"] in CALL_KINDS]
        changed = any(e["kind"] in BOARD_KINDS for e in events)
        return events[-1]["id"], calls, changed

    def call(self, event_id: int) -> Call | None:
        """One call (or recall) of the event log by its id, or None if that event is no call."""
        events = self.engine.events_after(int(event_id) - 1, kinds=CALL_KINDS, limit=1)
        return call_from_event(events[0]) if events and events[0]["id"] == int(event_id) else None

    # -- a ticket's phone page -----------------------------------------------------------
    def ticket_progress(self, ticket_id: int) -> TicketProgress | None:
        """The ticket's state now (following a transfer), or None if there is no such ticket."""
        ticket = self.engine.ticket_by_id(ticket_id)
        if ticket is None:
            return None
        queue = self.settings.queue(ticket.queue_id)
        queue_name = queue.name if queue else ticket.queue_id
        today = ticket.business_day == self.engine.today()
        # The same estimator, people-ahead rule and priority as at issue: the phone shows what the
        # ticket and the kiosk's screen said, brought up to date.
        ahead, estimate = self.engine.ticket_wait(ticket)
        return TicketProgress(ticket.code, queue_name, ticket.status, _status_zh(ticket, today), ahead, estimate,
                              ticket.window_number, _progress_message(ticket, ahead, today), ticket.business_day)


def spoken_code(code: str) -> str:
    """`A012` -> `A零一二`: halls read each digit, and a synthesiser would say 十二."""
    return "".join(_CHINESE_DIGITS[int(c)] if c.isdigit() else c for c in code)


def call_from_event(event: dict) -> Call:
    code = event["data"].get("code", "")
    window = event["window_number"]
    recall = event["kind"] == "recall"
    template = texts_zh.RECALL if recall else texts_zh.CALL
    speech = (texts_zh.RECALL_SPOKEN if recall else texts_zh.CALL).format(code=spoken_code(code), window=window)
    return Call(event["id"], window, code, recall, event["at"], template.format(code=code, window=window), speech)


def _status_zh(ticket: Ticket, today: bool) -> str:
    if not today and ticket.status in ("waiting", "called", "suspended"):
        return texts_zh.TICKET_PAGE_EXPIRED_STATUS
    return texts_zh.STATUS_NAMES.get(ticket.status, ticket.status)


def _progress_message(ticket: Ticket, ahead: int, today: bool) -> str:
    if not today:
        return texts_zh.TICKET_PAGE_OTHER_DAY
    if ticket.status == "waiting":
        return texts_zh.TICKET_PAGE_NEXT if ahead == 0 else texts_zh.TICKET_PAGE_AHEAD.format(n=ahead)
    if ticket.status in ("called", "serving"):
        return texts_zh.TICKET_PAGE_GO.format(window=ticket.window_number)
    return texts_zh.TICKET_PAGE_DONE.get(ticket.status, "")

"""The queue's records: tickets, what issuing and counter operations return, queue
and window status, and the mapping of a `tickets` row to a Ticket.

Plain frozen dataclasses; nothing here touches the database or the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk import texts_zh
from devices.base.clock import from_stamp

OPEN_STATUSES = ("waiting", "called", "serving", "suspended")
AT_WINDOW = ("called", "serving")


@dataclass(frozen=True)
class Ticket:
    id: int
    queue_id: str
    business_day: str
    number: int
    code: str
    priority: str
    status: str
    channel: str
    arrival_at: dt.datetime
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    window_number: int | None
    recall_count: int
    origin_ticket_id: int | None
    transferred_to_id: int | None

    @property
    def is_priority(self) -> bool:
        return self.priority != "normal"

    # Derived durations (minutes); None until both ends exist.
    @property
    def wait_minutes(self) -> float | None:
        return _minutes(self.arrival_at, self.called_at)

    @property
    def walk_minutes(self) -> float | None:
        return _minutes(self.called_at, self.started_at)

    @property
    def service_minutes(self) -> float | None:
        return _minutes(self.started_at, self.finished_at)

    @property
    def total_minutes(self) -> float | None:
        return _minutes(self.arrival_at, self.finished_at)

    def as_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for key, value in data.items():
            if isinstance(value, dt.datetime):
                data[key] = value.isoformat()
        return data


@dataclass(frozen=True)
class WaitEstimate:
    low_minutes: int | None
    high_minutes: int | None
    open_windows: int
    basis: str  # "today" (rolling median of today's service) or "norm" (configured)
    # Where a break (lunch) is near: "14:30" when the call is expected after it, and the clock
    # times of the range ("HH:MM"); break_stop_at / break_resume_at when it may fall either side.
    after_break: str = ""
    low_at: str = ""
    high_at: str = ""
    break_stop_at: str = ""
    break_resume_at: str = ""
    past_closing: bool = False  # even the quick end of the range is after the last call today

    @property
    def text_zh(self) -> str:
        if self.low_minutes is None or self.high_minutes is None:
            return texts_zh.WAIT_UNKNOWN
        if self.past_closing:
            return texts_zh.WAIT_PAST_CLOSING
        if self.after_break:
            text = texts_zh.WAIT_AFTER_BREAK.format(resume=texts_zh.clock_zh(self.after_break),
                                                    low=texts_zh.clock_zh(self.low_at),
                                                    high=texts_zh.clock_zh(self.high_at))
            if self.break_stop_at:
                text += texts_zh.WAIT_MAYBE_BEFORE_BREAK.format(stop=texts_zh.clock_zh(self.break_stop_at))
            return text
        if self.high_minutes == 0:
            return texts_zh.WAIT_NOW
        text = texts_zh.WAIT_RANGE.format(low=self.low_minutes, high=self.high_minutes)
        if self.break_resume_at:
            text += texts_zh.WAIT_MAYBE_AFTER_BREAK.format(resume=texts_zh.clock_zh(self.break_resume_at))
        return text


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    queue_name: str
    people_ahead: int
    estimate: WaitEstimate
    # True when a repeated request (same idempotency key) got back the ticket it drew before.
    replayed: bool = False
    # The progress page for the ticket's QR code when the hall server gave it (a second
    # kiosk's ticket); "" here means: ask this process's PublicLinks.
    link: str = ""

    @property
    def code(self) -> str:
        return self.ticket.code

    def as_dict(self) -> dict:
        return {
            "code": self.ticket.code,
            "queue": self.ticket.queue_id,
            "queue_name": self.queue_name,
            "priority": self.ticket.priority,
            "people_ahead": self.people_ahead,
            "wait_minutes_low": self.estimate.low_minutes,
            "wait_minutes_high": self.estimate.high_minutes,
            "wait_text": self.estimate.text_zh,
            "wait_basis": self.estimate.basis,
            "wait_open_windows": self.estimate.open_windows,
            # The lunch-break and closing facts behind wait_text, so a second kiosk that
            # rebuilds the estimate shows the very words this one would.
            "wait_after_break": self.estimate.after_break,
            "wait_low_at": self.estimate.low_at,
            "wait_high_at": self.estimate.high_at,
            "wait_break_stop_at": self.estimate.break_stop_at,
            "wait_break_resume_at": self.estimate.break_resume_at,
            "wait_past_closing": self.estimate.past_closing,
            "issued_at": self.ticket.issued_at.isoformat(),
            "business_day": self.ticket.business_day,
            "ticket_id": self.ticket.id,
        }


@dataclass(frozen=True)
class CounterResult:
    """What a counter operation did: the ticket it touched and what to announce."""

    action: str
    window_number: int | None
    ticket: Ticket | None
    announcement: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "window": self.window_number,
            "ticket": self.ticket.as_dict() if self.ticket else None,
            "announcement": self.announcement,
            **self.extra,
        }


@dataclass(frozen=True)
class QueueStatus:
    queue_id: str
    name: str
    issued: int
    waiting: int
    at_window: int
    suspended: int
    finished: int
    no_show: int
    transferred_out: int
    transferred_in: int
    open_windows: int
    last_code: str | None
    estimate_for_next: WaitEstimate

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["estimate_for_next"] = {
            "low": self.estimate_for_next.low_minutes,
            "high": self.estimate_for_next.high_minutes,
            "text": self.estimate_for_next.text_zh,
        }
        return data


@dataclass(frozen=True)
class WindowStatus:
    number: int
    name: str
    queues: tuple[str, ...]
    paused: bool
    current: Ticket | None


def _stamp_or_none(text: str | None) -> dt.datetime | None:
    return from_stamp(text) if text else None


def row_to_ticket(row) -> Ticket:
    return Ticket(
        id=row["id"],
        queue_id=row["queue_id"],
        business_day=row["business_day"],
        number=row["number"],
        code=row["code"],
        priority=row["priority"],
        status=row["status"],
        channel=row["channel"],
        arrival_at=from_stamp(row["arrival_at"]),
        issued_at=from_stamp(row["issued_at"]),
        called_at=_stamp_or_none(row["called_at"]),
        started_at=_stamp_or_none(row["started_at"]),
        finished_at=_stamp_or_none(row["finished_at"]),
        window_number=row["window_number"],
        recall_count=row["recall_count"],
        origin_ticket_id=row["origin_ticket_id"],
        transferred_to_id=row["transferred_to_id"],
    )


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60.0

"""What the hall server's JSON API answers, declared for /openapi.json.

Each route names its response model and the error statuses it can give, so the
schema is a contract a client (the second kiosk, the console's script, a county
system) can be checked against; tests/web/test_schema_fuzz.py holds the server
to it with schemathesis. Models allow no extra keys where the server sends a
fixed shape; refusals (ErrorBody) may carry a few details of the refusal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kiosk.dropoff.models import STATUSES as CASE_STATUSES

# At least one character a person can see. Not r"\S": pydantic's regex engine counts the
# control characters U+001C-U+001F as visible while Python's str.strip() removes them, so
# a note of only those passed the schema and was then refused as empty (schemathesis).
SOME_VISIBLE_TEXT = r"[^\s\x00-\x1f\x7f]"

Role = Literal["window_staff", "hall_manager", "county_auditor"]


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every refusal: a machine code, the sentence for the screen, and for service refusals an English line."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="machine-readable code, e.g. login_refused, csrf, nothing_waiting")
    message_zh: str
    message_en: str | None = None


ERROR_TEXT = {
    400: "Refused as given: an unknown queue or priority, a password or name the rules refuse",
    401: "Not logged in (no, ended or expired session), or no valid device token",
    403: "CSRF header missing or wrong, or the role may not do this",
    404: "No such window, ticket, account, drop-off or action",
    409: "The service refused in the hall's current state (hall closed, nothing waiting, account exists …)",
    422: "The request's body, path or query is malformed",
    423: "The account is locked after wrong passwords",
    429: "Too many wrong tries from here: paused for a while",
    503: "The hall's database is busy or failing: try again",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status it can refuse with, all as ErrorBody."""
    return {status: {"model": ErrorBody, "description": ERROR_TEXT[status]} for status in statuses}


# -- staff and accounts -----------------------------------------------------------------------------
class AccountOut(Closed):
    username: str
    display_name: str
    role: Role
    role_zh: str
    active: bool
    locked_until: str | None
    created_at: str
    created_by: str
    last_login_at: str | None


class AccountEnvelope(Closed):
    account: AccountOut


class MeOut(Closed):
    account: AccountOut
    may: dict[str, bool]


class AccountList(Closed):
    accounts: list[AccountOut]


class AuditEntry(Closed):
    id: int
    at: str
    action: str
    actor: str
    account: str | None
    client: str
    data: dict[str, Any]


class AuditList(Closed):
    entries: list[AuditEntry]


class Ok(Closed):
    ok: bool


# -- the counter ------------------------------------------------------------------------------------
class TicketOut(Closed):
    """A ticket as staff see it: no holder data at all."""

    code: str
    queue: str
    status: str
    priority: str
    window: int | None
    recall_count: int
    arrival_at: str
    called_at: str | None


class CounterResultOut(BaseModel):
    """What a counter operation did; a few operations add details (e.g. the transfer's new code)."""

    model_config = ConfigDict(extra="allow")

    action: str
    window: int | None
    announcement: str
    ticket: TicketOut | None


class QueueCounts(Closed):
    issued: int
    waiting: int
    at_window: int
    finished: int
    no_show: int
    suspended: int
    transferred_in: int


class CounterQueue(Closed):
    id: str
    name: str
    waiting: list[TicketOut]
    suspended: list[TicketOut]
    no_show: list[TicketOut]
    counts: QueueCounts
    wait_text: str


class CounterWindow(Closed):
    number: int
    name: str
    queues: list[str]
    paused: bool
    current: TicketOut | None


class CounterSnapshot(Closed):
    hall_name: str
    business_day: str
    windows: list[CounterWindow]
    queues: list[CounterQueue]
    last_event_id: int


# -- public -----------------------------------------------------------------------------------------
class CallOut(Closed):
    event_id: int
    window: int
    code: str
    recall: bool
    at: str
    text: str
    speech: str


class BoardWindowOut(Closed):
    number: int
    name: str
    paused: bool
    code: str | None
    status: str | None


class BoardQueueOut(Closed):
    queue_id: str
    name: str
    waiting: int


class BoardOut(Closed):
    hall_name: str
    business_day: str
    last_event_id: int
    windows: list[BoardWindowOut]
    queues: list[BoardQueueOut]
    recent_calls: list[CallOut]


class RatingStateOut(Closed):
    can_rate: bool
    reason_zh: str
    rated: bool
    level: int | None
    level_zh: str | None


class RatingGiven(Closed):
    level: int
    level_zh: str
    followup: str | None


class RatingOut(Closed):
    rating: RatingGiven
    message_zh: str


class WindowRatingTicket(Closed):
    code: str


class WindowRatingPromptOut(Closed):
    window: int
    ticket: WindowRatingTicket | None


class TicketProgressOut(Closed):
    code: str
    queue_name: str
    status: str
    status_zh: str
    people_ahead: int
    wait_text: str
    window: int | None
    message_zh: str
    business_day: str
    rating: RatingStateOut


class DropoffStep(Closed):
    at: str
    status: str
    text: str


class DropoffProgressOut(Closed):
    code: str
    matter_name: str
    status: str
    status_zh: str
    masked_name: str
    submitted_at: str
    review_on: str | None
    case_number: str | None
    due_on: str | None
    note_zh: str
    steps: list[DropoffStep]


class HealthOut(Closed):
    ok: bool
    hall: str
    live_clients: int


# -- kiosk devices ------------------------------------------------------------------------------------
class IssuedTicketOut(Closed):
    """A number taken by a kiosk device: what its screen shows and its printer prints."""

    code: str
    queue: str
    queue_name: str
    priority: str
    people_ahead: int
    wait_minutes_low: int | None
    wait_minutes_high: int | None
    wait_text: str
    issued_at: str
    business_day: str
    ticket_id: int
    link: str = Field(description="the ticket's progress page for its QR code; empty when no page is served")
    wait_basis: str = Field(description='"today" (today\'s service times) or "norm" (the configured minutes)')
    wait_open_windows: int
    wait_after_break: str = Field(default="", description='"HH:MM" the break ends when the call is expected after it')
    wait_low_at: str = Field(default="", description='"HH:MM" of the quick end of the range, near a break')
    wait_high_at: str = Field(default="", description='"HH:MM" of the slow end of the range, near a break')
    wait_break_stop_at: str = Field(default="", description='"HH:MM" the break starts, when the call may fall before it')
    wait_break_resume_at: str = Field(default="", description='"HH:MM" the break ends, when the call may fall after it')
    wait_past_closing: bool = Field(default=False, description="even the quick end is after today's last call")
    replayed: bool = Field(description="true when the Idempotency-Key was seen before: the ticket that "
                                       "request drew, no new number")


class KioskTicketOut(Closed):
    """A ticket as a kiosk screen shows it (no holder data: the database has none to give)."""

    id: int
    queue_id: str
    business_day: str
    number: int
    code: str
    priority: str
    status: str
    channel: str
    arrival_at: str
    issued_at: str
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    window_number: int | None
    recall_count: int
    origin_ticket_id: int | None
    transferred_to_id: int | None


class KioskEstimateOut(Closed):
    low: int | None
    high: int | None
    text: str
    open_windows: int
    basis: str


class KioskQueueOut(Closed):
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
    estimate_for_next: KioskEstimateOut


class KioskWindowOut(Closed):
    number: int
    name: str
    queues: list[str]
    paused: bool
    current: KioskTicketOut | None


class KioskOverviewOut(Closed):
    """What a second kiosk's screens show of the hall: each queue's counts and each window's ticket."""

    business_day: str
    queues: list[KioskQueueOut]
    windows: list[KioskWindowOut]


# -- alerts, the 差评 follow-up, the drop-off inbox ------------------------------------------------------
class AlertOut(Closed):
    id: int
    at: str
    source: str = Field(description="who raised it: stats_live (today's waits, queues, open follow-ups), "
                                    "stats (the last business day), printer, idcard …")
    level: str
    code: str
    message_zh: str


class AlertList(Closed):
    alerts: list[AlertOut]


class FollowupOut(Closed):
    """A 差评 and its follow-up, as the hall manager and the county auditor see it."""

    id: int
    subject_kind: Literal["ticket", "dropoff"]
    subject_code: str = Field(description="the ticket's number (A012) or the drop-off's code")
    business_day: str
    level: int
    level_zh: str
    reasons: list[str]
    reasons_zh: list[str]
    comment: str
    queue_id: str | None
    window_number: int | None
    staff: str
    matter_id: str | None
    rated_at: str
    followup: Literal["open", "handled"]
    followup_zh: str
    handled_at: str | None
    handled_by: str | None
    handled_note: str


class FollowupList(Closed):
    followups: list[FollowupOut]
    may_handle: bool


class FollowupEnvelope(Closed):
    followup: FollowupOut


# Literal[tuple] is Literal of each member: the statuses as kiosk.dropoff.models lists them.
DropoffStatus = Literal[CASE_STATUSES]  # type: ignore[valid-type]
DropoffListFilter = Literal[("open", "all", *CASE_STATUSES)]  # type: ignore[valid-type]


class DropoffItem(Closed):
    """A drop-off in the inbox list: no ID number, no phone, the holder's name masked."""

    code: str
    matter_name: str
    status: DropoffStatus
    status_zh: str
    channel: str
    submitted_at: str
    page_count: int
    masked_name: str
    review_on: str | None
    case_number: str | None
    due_on: str | None


class DropoffList(Closed):
    dropoffs: list[DropoffItem]
    may_review: bool


class DropoffPageOut(Closed):
    number: int
    material: str
    width: int
    height: int
    available: bool = Field(description="false once the scans were deleted after the retention period")
    upright_sure: bool = Field(True, description="false when the kiosk could not tell which way is up: "
                                                 "the page is as laid, staff check it")


class DropoffAuditOut(Closed):
    at: str
    action: str
    actor: str
    detail: str


class DropoffDetail(Closed):
    """One drop-off for its review. The county auditor gets the name and phone masked."""

    code: str
    matter_id: str
    matter_name: str
    department: str
    channel: str
    status: DropoffStatus
    status_zh: str
    holder_name: str
    id_number: str
    phone: str
    page_count: int
    submitted_at: str
    review_on: str | None
    case_number: str | None
    accepted_at: str | None
    due_on: str | None
    status_note: str
    pages: list[DropoffPageOut]
    scans_deleted: bool
    audit: list[DropoffAuditOut]
    may_review: bool


class DropoffEnvelope(Closed):
    dropoff: DropoffDetail

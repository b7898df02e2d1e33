"""Satisfaction ratings (好差评): one per finished ticket or closed drop-off, and the 差评 follow-up.

A citizen rates a service on the national five levels (kiosk.satisfaction) on
the ticket's phone page, at the kiosk (the ticket's number typed, or its QR code held
under the document camera) or on the tablet facing the citizen at the window. Rules:

- only a ticket that was finished (办结) can be rated; a transferred ticket is rated
  where it was finished (the ticket's link follows the transfer);
- one rating per ticket (or per drop-off case), never changed afterwards;
- the rating is given the same business day as the service: the next day is too late;
- 不满意 and 非常不满意 need at least one reason from the list (``other`` needs words)
  and open a follow-up, which a hall manager closes with a note (handled); every step
  is in the append-only ``rating_audit``.

The rating records the ticket's queue, window, the staff member who finished it
(the actor of the ``finish`` event: ``staff:<name>`` from the console) and the
ticket's channel, so reports count by window and staff without rereading events.
Plain Python over the store, clock injected.

Finding the ticket to rate (every front end asks here, none decodes or looks up itself):

- by the number printed on it (`find_ticket_by_number`, the kiosk's keypad): the queue's
  letter and the digits, leading zeros optional ("A12" = "A012"); today's tickets
  only; a transferred ticket is found as its live copy (the number on the paper stays).
  The queue letters are unique in a hall and numbers never wrap within a day, so a
  letter and a number name one ticket. A number is easy to guess (they count up), so
  the refusals (no such number, not finished, already rated) are limited per source:
  NUMBER_MAX_WRONG in NUMBER_WINDOW_MINUTES pause typed numbers there (the QR code,
  which carries the link's MAC, is never paused). The count lives in this process.
- by the texts of the codes the camera read on a page (`find_ticket_by_codes`): the
  ticket's link `/t/<token>`, checked against the hall's key.
- by the window that has just finished it (`window_prompt`, the window's tablet).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Iterable

from devices.base.clock import Clock, business_day, from_stamp, to_stamp
from devices.base.errors import KioskError
from kiosk import satisfaction
from kiosk.config import Settings
from kiosk.queueing.engine import QueueEngine
from kiosk.store import Store

log = logging.getLogger(__name__)

RATING_CHANNELS = ("phone", "kiosk", "window", "counter_pad", "staff_entry")
# Wrong typed numbers (unknown, not finished, already rated) per source before typed numbers pause.
NUMBER_MAX_WRONG = 5
NUMBER_WINDOW_MINUTES = 10
# The window's tablet asks for a rating this long after the window finished a ticket (unless
# it has called somebody since), and takes the rating this long after the finish.
WINDOW_PROMPT_MINUTES = 3
WINDOW_RATE_MINUTES = 10
# Events that end what the tablet asks about: the window has moved on to somebody else.
WINDOW_MOVED_ON = ("call", "finish", "transfer", "no_show", "resume")
_TYPED_NUMBER = re.compile(r"([A-Z])0*(\d{1,6})")
_TICKET_LINK = re.compile(r"/t/([0-9a-z-]{3,40})/?$")
# A drop-off case is rated once it is closed: its result collected, or rejected.
DROPOFF_RATEABLE = ("collected", "rejected")


class RatingError(KioskError):
    code = "rating_error"


class RatingLevelUnknown(RatingError):
    code = "rating_level_unknown"


class RatingReasonRequired(RatingError):
    code = "rating_reason_required"


class RatingExists(RatingError):
    code = "rating_exists"


class NotRateable(RatingError):
    code = "rating_not_rateable"


class RatingTooLate(RatingError):
    code = "rating_too_late"


class RatingNotFound(RatingError):
    code = "rating_not_found"


class FollowupRefused(RatingError):
    code = "followup_refused"


class RatingLookupPaused(RatingError):
    code = "lookup_paused"


@dataclass(frozen=True)
class RatingTarget:
    """A ticket that may be rated now: what the rating screen shows and hands back."""

    ticket_id: int
    code: str
    window_number: int | None

    def as_dict(self) -> dict:
        return {"ticket_id": self.ticket_id, "code": self.code, "window": self.window_number}


@dataclass(frozen=True)
class Rating:
    id: int
    ticket_id: int | None
    dropoff_id: int | None
    business_day: str
    level: int
    reasons: tuple[str, ...]
    comment: str
    queue_id: str | None
    window_number: int | None
    staff: str
    matter_id: str | None
    service_channel: str
    channel: str
    rated_at: dt.datetime
    followup: str | None
    handled_at: dt.datetime | None
    handled_by: str | None
    handled_note: str

    @property
    def level_zh(self) -> str:
        return satisfaction.level_name(self.level)

    @property
    def is_bad(self) -> bool:
        return satisfaction.is_bad(self.level)

    def as_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["reasons"] = list(self.reasons)
        data["reasons_zh"] = satisfaction.reason_names(self.reasons)
        data["level_zh"] = self.level_zh
        data["followup_zh"] = satisfaction.FOLLOWUP_ZH.get(self.followup or "", "")
        for key in ("rated_at", "handled_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class RatingState:
    """What a ticket's page shows about rating: the form, the rating given, or nothing."""

    can_rate: bool
    rating: Rating | None
    reason_zh: str = ""

    def as_dict(self) -> dict:
        return {"can_rate": self.can_rate, "reason_zh": self.reason_zh,
                "rated": self.rating is not None,
                "level": self.rating.level if self.rating else None,
                "level_zh": self.rating.level_zh if self.rating else None}


@dataclass(frozen=True)
class FollowupItem:
    """A 差评 as the follow-up view lists it: the rating and what it was about (ticket or drop-off code)."""

    rating: Rating
    subject_kind: str  # "ticket" | "dropoff"
    subject_code: str

    def as_dict(self) -> dict:
        return self.rating.as_dict() | {"subject_kind": self.subject_kind, "subject_code": self.subject_code}


class RatingService:
    def __init__(self, settings: Settings, store: Store, engine: QueueEngine, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.clock = clock
        self.number_max_wrong = NUMBER_MAX_WRONG
        self.number_window_minutes = NUMBER_WINDOW_MINUTES
        self._wrong: dict[str, deque] = {}
        self._wrong_lock = threading.Lock()

    # -- the vocabulary, for forms -----------------------------------------------------------
    @staticmethod
    def levels() -> list[tuple[int, str]]:
        return list(satisfaction.LEVELS.items())

    @staticmethod
    def reasons() -> list[tuple[str, str]]:
        return list(satisfaction.REASONS.items())

    # -- tickets ---------------------------------------------------------------------------------
    def ticket_state(self, ticket_id: int) -> RatingState:
        """May this ticket (followed through transfers) be rated now, or has it been?"""
        ticket = self.engine.ticket_by_id(ticket_id)
        if ticket is None:
            return RatingState(False, None, "没有找到这张号")
        existing = self._by_subject("ticket_id", ticket.id)
        if existing is not None:
            return RatingState(False, existing, "您已评价，感谢您的反馈")
        if ticket.status != "finished":
            return RatingState(False, None, "办结后可以评价")
        if self._today() != ticket.business_day:
            return RatingState(False, None, "评价只能在办理当天进行")
        return RatingState(True, None)

    def rate_ticket(self, ticket_id: int, level: int, reasons: Iterable[str] = (), comment: str = "",
                    channel: str = "phone") -> Rating:
        """Record the rating of a finished ticket (by its id or the id of the ticket it was transferred from)."""
        level, reasons, comment = self._checked(level, reasons, comment, channel)
        ticket = self.engine.ticket_by_id(ticket_id)
        if ticket is None:
            raise RatingNotFound(f"no ticket id {ticket_id}", "没有找到这张号")
        if ticket.status != "finished":
            raise NotRateable(f"ticket {ticket.code} is {ticket.status}, not finished",
                              f"{ticket.code}号还没有办结，办结后才能评价")
        now = self.clock.now()
        if self._today() != ticket.business_day:
            raise RatingTooLate(f"ticket {ticket.code} of {ticket.business_day} can no longer be rated",
                                "评价只能在办理当天进行，这张号已经过了评价时间")
        stamp = to_stamp(now)
        with self.store.write() as conn:
            if conn.execute("SELECT 1 FROM ratings WHERE ticket_id = ?", (ticket.id,)).fetchone():
                raise RatingExists(f"ticket {ticket.code} was already rated", "这张号已经评价过了，感谢您的反馈")
            finisher = conn.execute(
                "SELECT actor FROM events WHERE ticket_id = ? AND kind = 'finish' ORDER BY id DESC LIMIT 1",
                (ticket.id,)).fetchone()
            rating_id = self._insert(conn, stamp, ticket_id=ticket.id, dropoff_id=None,
                                     day=ticket.business_day, level=level, reasons=reasons, comment=comment,
                                     queue_id=ticket.queue_id, window=ticket.window_number,
                                     staff=staff_name(finisher["actor"] if finisher else ""), matter_id=None,
                                     service_channel=ticket.channel, channel=channel)
        log.info("ticket %s rated %d (%s)", ticket.code, level, channel)
        return self.rating(rating_id)

    # -- finding the ticket ------------------------------------------------------------------------
    def ticket_letters(self) -> list[str]:
        """The letters a ticket number can start with here (the queues' prefixes), for a keypad."""
        return [queue.prefix for queue in self.settings.queues]

    def normalise_number(self, text: str) -> str | None:
        """"a12" / "A0012" -> "A012"; None when it is not a letter of this hall and a number."""
        match = _TYPED_NUMBER.fullmatch((text or "").strip().upper())
        if match is None or match.group(1) not in self.ticket_letters() or int(match.group(2)) == 0:
            return None
        return f"{match.group(1)}{int(match.group(2)):03d}"

    def find_ticket_by_number(self, text: str, source: str = "kiosk") -> RatingTarget:
        """Today's ticket with this number, if it may be rated now; refusals are counted per source."""
        self._check_not_paused(source)
        code = self.normalise_number(text)
        ticket = None
        if code is not None:
            with self.store.read() as conn:
                row = conn.execute("SELECT id FROM tickets WHERE business_day = ? AND code = ? "
                                   "ORDER BY id DESC LIMIT 1", (self._today(), code)).fetchone()
            ticket = self.engine.ticket_by_id(row["id"]) if row is not None else None
        try:
            if ticket is None:
                raise RatingNotFound(f"no ticket {text!r} today", "今天没有这个号，请对照小票再输入")
            return self._target(ticket)
        except (RatingNotFound, NotRateable, RatingExists) as refusal:
            left = self._count_wrong(source)
            if left > 0:
                refusal.message_zh += f"（还可以试{left}次）"
            raise

    def find_ticket_by_codes(self, texts: Iterable[str]) -> RatingTarget:
        """The ticket whose link is among the codes read on a page (the printed ticket's QR)."""
        ticket_id = None
        for text in texts:
            match = _TICKET_LINK.search(str(text).strip().split("?")[0].split("#")[0])
            if match:
                ticket_id = self.engine.holder_key.ticket_id_from_link(match.group(1))
                if ticket_id is not None:
                    break
        ticket = self.engine.ticket_by_id(ticket_id) if ticket_id is not None else None
        if ticket is None:
            raise RatingNotFound("no ticket link of this hall among the codes read",
                                 "没有认出小票上的二维码，请把号码输入在左边")
        return self._target(ticket)

    def window_prompt(self, window_number: int) -> RatingTarget | None:
        """The ticket window N has just finished, while the tablet there should ask for its rating."""
        now = self.clock.now()
        with self.store.read() as conn:
            marks = ",".join("?" * len(WINDOW_MOVED_ON))
            row = conn.execute(f"SELECT kind, ticket_id, at FROM events WHERE window_number = ? AND kind IN ({marks}) "
                               "ORDER BY id DESC LIMIT 1", (int(window_number), *WINDOW_MOVED_ON)).fetchone()
        if row is None or row["kind"] != "finish":
            return None
        if now - from_stamp(row["at"]) > dt.timedelta(minutes=WINDOW_PROMPT_MINUTES):
            return None
        ticket = self.engine.ticket_by_id(row["ticket_id"])
        try:
            return self._target(ticket) if ticket is not None else None
        except RatingError:
            return None

    def rate_at_window(self, window_number: int, code: str, level: int, reasons: Iterable[str] = (),
                       comment: str = "") -> Rating:
        """The tablet at window N rates a ticket that window finished in the last minutes."""
        ticket = None
        normalised = self.normalise_number(code)
        if normalised is not None:
            with self.store.read() as conn:
                row = conn.execute("SELECT id FROM tickets WHERE business_day = ? AND code = ? "
                                   "ORDER BY id DESC LIMIT 1", (self._today(), normalised)).fetchone()
            ticket = self.engine.ticket_by_id(row["id"]) if row is not None else None
        if ticket is None or ticket.window_number != int(window_number):
            raise RatingNotFound(f"no ticket {code!r} finished at window {window_number} today",
                                 "这张号不是在这个窗口办的，不能在这里评价")
        if (ticket.status == "finished" and ticket.finished_at is not None
                and self.clock.now() - ticket.finished_at > dt.timedelta(minutes=WINDOW_RATE_MINUTES)):
            raise RatingTooLate(f"ticket {ticket.code} finished more than {WINDOW_RATE_MINUTES} min ago",
                                "这张号办完已经有一会儿了，请用小票上的二维码评价")
        return self.rate_ticket(ticket.id, level, reasons, comment, channel="window")

    def _target(self, ticket) -> RatingTarget:
        """The ticket as a rating target, or the plain reason why it cannot be rated now."""
        if self._by_subject("ticket_id", ticket.id) is not None:
            raise RatingExists(f"ticket {ticket.code} was already rated", "这张号已经评价过了，谢谢您")
        if ticket.business_day != self._today():
            raise RatingTooLate(f"ticket {ticket.code} of {ticket.business_day} can no longer be rated",
                                "评价只能在办事当天进行，这张号已经过了评价时间")
        if ticket.status != "finished":
            raise NotRateable(f"ticket {ticket.code} is {ticket.status}, not finished",
                              f"{ticket.code}号还没有办完，办完后才能评价")
        return RatingTarget(ticket.id, ticket.code, ticket.window_number)

    def _check_not_paused(self, source: str) -> None:
        with self._wrong_lock:
            wrong = self._recent_wrong(source)
            if len(wrong) >= self.number_max_wrong:
                raise RatingLookupPaused(
                    f"{len(wrong)} wrong ticket numbers from {source} in {self.number_window_minutes} min",
                    f"输错次数太多，请{self.number_window_minutes}分钟后再试，或把小票上的二维码放在高拍仪下面")

    def _count_wrong(self, source: str) -> int:
        """Count one refusal for `source`; how many tries are left."""
        with self._wrong_lock:
            wrong = self._recent_wrong(source)
            wrong.append(self.clock.now())
            log.info("a typed ticket number from %s could not be rated (%d recent)", source, len(wrong))
            return self.number_max_wrong - len(wrong)

    def _recent_wrong(self, source: str) -> deque:
        wrong = self._wrong.setdefault(source, deque())
        since = self.clock.now() - dt.timedelta(minutes=self.number_window_minutes)
        while wrong and wrong[0] < since:
            wrong.popleft()
        return wrong

    # -- drop-offs -------------------------------------------------------------------------------
    def rate_dropoff(self, code: str, level: int, reasons: Iterable[str] = (), comment: str = "",
                     channel: str = "kiosk") -> Rating:
        """Record the rating of a closed drop-off case (collected or rejected), on the day it closed.
        The caller has already made sure who asks (the card, or the code with the ID number's last 4)."""
        level, reasons, comment = self._checked(level, reasons, comment, channel)
        now = self.clock.now()
        stamp = to_stamp(now)
        with self.store.write() as conn:
            row = conn.execute("SELECT * FROM dropoffs WHERE code = ?", (code.strip().upper(),)).fetchone()
            if row is None:
                raise RatingNotFound(f"no drop-off {code!r}", "没有找到这个投递码")
            if row["status"] not in DROPOFF_RATEABLE or not row["closed_at"]:
                raise NotRateable(f"drop-off {row['code']} is {row['status']}, not closed",
                                  "这件投递还没有办结，办结后才能评价")
            closed_day = dt.datetime.fromisoformat(row["closed_at"]).astimezone(now.tzinfo).date().isoformat()
            if closed_day != business_day(now).isoformat():
                raise RatingTooLate(f"drop-off {row['code']} closed on {closed_day}",
                                    "评价只能在办结当天进行，这件投递已经过了评价时间")
            if conn.execute("SELECT 1 FROM ratings WHERE dropoff_id = ?", (row["id"],)).fetchone():
                raise RatingExists(f"drop-off {row['code']} was already rated", "这件投递已经评价过了，感谢您的反馈")
            closer = conn.execute(
                "SELECT actor FROM dropoff_audit WHERE dropoff_id = ? AND action IN ('collected', 'rejected') "
                "ORDER BY id DESC LIMIT 1", (row["id"],)).fetchone()
            rating_id = self._insert(conn, stamp, ticket_id=None, dropoff_id=row["id"], day=closed_day,
                                     level=level, reasons=reasons, comment=comment, queue_id=None, window=None,
                                     staff=staff_name(closer["actor"] if closer else ""),
                                     matter_id=row["matter_id"], service_channel=row["channel"], channel=channel)
        return self.rating(rating_id)

    # -- reading ---------------------------------------------------------------------------------
    def rating(self, rating_id: int) -> Rating:
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM ratings WHERE id = ?", (int(rating_id),)).fetchone()
        if row is None:
            raise RatingNotFound(f"no rating {rating_id}", "没有找到这条评价")
        return _rating(row)

    def ratings(self, first_day: str, last_day: str) -> list[Rating]:
        """Ratings of services on business days first_day … last_day (ISO dates), oldest first."""
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM ratings WHERE business_day BETWEEN ? AND ? ORDER BY id",
                                (first_day, last_day)).fetchall()
        return [_rating(row) for row in rows]

    def open_followups(self) -> list[Rating]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM ratings WHERE followup = 'open' ORDER BY id").fetchall()
        return [_rating(row) for row in rows]

    def followups(self, state: str = "open", limit: int = 200) -> list[FollowupItem]:
        """差评 with their ticket's or drop-off's code: the open ones oldest first, or the handled ones
        newest first (at most `limit`)."""
        if state not in satisfaction.FOLLOWUP_ZH:
            raise RatingError(f"unknown follow-up state {state!r}", "回访状态不对")
        order = "r.id" if state == "open" else "r.handled_at DESC, r.id DESC"
        return self._followup_items(f"r.followup = ? ORDER BY {order} LIMIT ?", (state, int(limit)))

    def followup(self, rating_id: int) -> FollowupItem:
        """One 差评 (open or handled) with its ticket's or drop-off's code."""
        items = self._followup_items("r.id = ? AND r.followup IS NOT NULL", (int(rating_id),))
        if not items:
            raise RatingNotFound(f"no follow-up for rating {rating_id}", "没有找到这条差评")
        return items[0]

    def _followup_items(self, where: str, params: tuple) -> list[FollowupItem]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT r.*, t.code AS ticket_code, d.code AS dropoff_code FROM ratings r "
                "LEFT JOIN tickets t ON t.id = r.ticket_id LEFT JOIN dropoffs d ON d.id = r.dropoff_id "
                f"WHERE {where}", params).fetchall()
        return [FollowupItem(_rating(row), "ticket" if row["ticket_id"] is not None else "dropoff",
                             row["ticket_code"] or row["dropoff_code"] or "") for row in rows]

    def open_followup_count(self) -> int:
        with self.store.read() as conn:
            return conn.execute("SELECT COUNT(*) FROM ratings WHERE followup = 'open'").fetchone()[0]

    def audit(self, rating_id: int) -> list[dict]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT at, action, actor, data FROM rating_audit WHERE rating_id = ? ORDER BY id",
                                (int(rating_id),)).fetchall()
        return [dict(row) | {"data": json.loads(row["data"] or "{}")} for row in rows]

    # -- the 差评 follow-up ----------------------------------------------------------------------
    def handle_followup(self, rating_id: int, manager, note: str) -> Rating:
        """A hall manager (an Account with role hall_manager) closes a 差评's follow-up with a note."""
        if getattr(manager, "role", None) != "hall_manager" or not getattr(manager, "active", False):
            raise FollowupRefused(f"{getattr(manager, 'username', manager)!r} is not an active hall manager",
                                  "只有大厅管理员可以处理差评回访")
        note = (note or "").strip()
        if not note:
            raise RatingReasonRequired("a follow-up needs a note of what was done", "请写明处理情况")
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            row = conn.execute("SELECT followup FROM ratings WHERE id = ?", (int(rating_id),)).fetchone()
            if row is None:
                raise RatingNotFound(f"no rating {rating_id}", "没有找到这条评价")
            if row["followup"] != "open":
                raise FollowupRefused(f"rating {rating_id} has no open follow-up ({row['followup']})",
                                      "这条评价没有待处理的回访")
            conn.execute("UPDATE ratings SET followup = 'handled', handled_at = ?, handled_by = ?, handled_note = ? "
                         "WHERE id = ?", (stamp, manager.username, note[:500], int(rating_id)))
            _audit(conn, stamp, int(rating_id), "followup_handled", f"staff:{manager.username}", {"note": note[:500]})
        return self.rating(rating_id)

    # -- internals -------------------------------------------------------------------------------
    def _today(self) -> str:
        return business_day(self.clock.now()).isoformat()

    def _by_subject(self, column: str, subject_id: int) -> Rating | None:
        with self.store.read() as conn:
            row = conn.execute(f"SELECT * FROM ratings WHERE {column} = ?", (int(subject_id),)).fetchone()
        return _rating(row) if row is not None else None

    @staticmethod
    def _checked(level, reasons: Iterable[str], comment: str, channel: str) -> tuple[int, tuple[str, ...], str]:
        try:
            level = int(level)
        except (TypeError, ValueError):
            level = 0
        if level not in satisfaction.LEVELS:
            raise RatingLevelUnknown(f"rating level {level!r} is not 1-5", "请选择一个评价等级")
        if channel not in RATING_CHANNELS:
            raise RatingError(f"unknown rating channel {channel!r}", "评价来源不对")
        reasons = tuple(dict.fromkeys(str(r) for r in reasons or ()))
        comment = (comment or "").strip()
        if len(comment) > satisfaction.COMMENT_MAX_CHARS:
            raise RatingError(f"comment longer than {satisfaction.COMMENT_MAX_CHARS} characters",
                              f"意见最多{satisfaction.COMMENT_MAX_CHARS}个字")
        unknown = [r for r in reasons if r not in satisfaction.REASONS]
        if unknown:
            raise RatingError(f"unknown reason(s) {unknown}", "请从列表中选择原因")
        if satisfaction.is_bad(level):
            if not reasons:
                raise RatingReasonRequired(f"level {level} needs a reason",
                                           f"选择“{satisfaction.level_name(level)}”时，请至少选择一个原因")
            if "other" in reasons and not comment:
                raise RatingReasonRequired("reason 'other' needs a comment", "选择“其他”时，请写明原因")
        elif reasons:
            raise RatingError(f"reasons are only for levels 1-2, not {level}", "只有不满意的评价需要选择原因")
        return level, reasons, comment

    @staticmethod
    def _insert(conn, stamp: str, *, ticket_id, dropoff_id, day, level, reasons, comment, queue_id, window, staff,
                matter_id, service_channel, channel) -> int:
        followup = "open" if satisfaction.is_bad(level) else None
        rating_id = conn.execute(
            "INSERT INTO ratings (ticket_id, dropoff_id, business_day, level, reasons, comment, queue_id, "
            "window_number, staff, matter_id, service_channel, channel, rated_at, followup) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, dropoff_id, day, level, json.dumps(list(reasons)), comment, queue_id, window, staff,
             matter_id, service_channel, channel, stamp, followup)).lastrowid
        _audit(conn, stamp, rating_id, "rated", f"citizen:{channel}", {"level": level, "followup": followup})
        return rating_id


def staff_name(actor: str) -> str:
    """`staff:zhaomin` -> `zhaomin`; a counter command without a login (`staff`) stays as it is."""
    return actor.split(":", 1)[1] if actor.startswith("staff:") else actor


def _audit(conn, stamp: str, rating_id: int, action: str, actor: str, data: dict) -> None:
    conn.execute("INSERT INTO rating_audit (at, rating_id, action, actor, data) VALUES (?, ?, ?, ?, ?)",
                 (stamp, rating_id, action, actor, json.dumps(data, ensure_ascii=False)))


def _rating(row) -> Rating:
    return Rating(
        id=row["id"], ticket_id=row["ticket_id"], dropoff_id=row["dropoff_id"], business_day=row["business_day"],
        level=row["level"], reasons=tuple(json.loads(row["reasons"] or "[]")), comment=row["comment"],
        queue_id=row["queue_id"], window_number=row["window_number"], staff=row["staff"],
        matter_id=row["matter_id"], service_channel=row["service_channel"], channel=row["channel"],
        rated_at=from_stamp(row["rated_at"]), followup=row["followup"],
        handled_at=from_stamp(row["handled_at"]) if row["handled_at"] else None,
        handled_by=row["handled_by"], handled_note=row["handled_note"])

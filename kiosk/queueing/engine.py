"""The hall's queue: issuing numbers and every counter operation.

Pure Python over the Store, with the clock injected. Every operation runs in one
`BEGIN IMMEDIATE` transaction that also appends its event, so an operation either
happened completely (ticket row, window state and event) or not at all.

Ticket life cycle::

    waiting ─call─► called ─start─► serving ─finish─► finished
       ▲              │  ╲recall (≤ limit)          │
       │              │   ╲─ over limit ─► no_show ◄┘(no_show from called)
       └─reactivate───┴────────────────── no_show
    called/serving ─suspend─► suspended ─resume─► serving
    any open state ─transfer─► transferred (+ a linked waiting copy in the target queue)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Callable, Iterable

from kiosk import texts_zh
from devices.base.clock import Clock, SystemClock, business_day, from_stamp, to_stamp
from kiosk.config import QueueDef, Settings, WindowDef
from kiosk.errors import (
    DrawCancelled,
    ClockBehind,
    DailyCapReached,
    HallClosed,
    HolderAlreadyWaiting,
    NobodyWaiting,
    NoCurrentTicket,
    TicketNotFound,
    TicketStateError,
    UnknownPriority,
    UnknownQueue,
    UnknownWindow,
    WindowBusy,
    WindowNotServingQueue,
    WindowPaused,
)
from kiosk.hall_hours import issuing_state
from kiosk.privacy import HolderKey
from kiosk.queueing.call_order import WaitingTicket, call_order, picks_before
from kiosk.queueing.estimator import WaitEstimator
from kiosk.queueing.models import (
    AT_WINDOW,
    CounterResult,
    IssuedTicket,
    QueueStatus,
    Ticket,
    WaitEstimate,
    WindowStatus,
    row_to_ticket,
)
from kiosk.store import Store

log = logging.getLogger(__name__)

# How far the clock may read behind the last ticket before issuing stops: covers
# NTP stepping a drifted clock back by a little, not a clock that lost days.
CLOCK_BEHIND_TOLERANCE = dt.timedelta(minutes=10)


class QueueEngine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock | None = None,
        holder_key: HolderKey | None = None,
        enforce_hours: bool = True,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or SystemClock()
        self.holder_key = holder_key or HolderKey(settings.data_dir)
        self.enforce_hours = enforce_hours
        self.estimator = WaitEstimator(settings)
        self._ensure_windows()

    # -- setup ------------------------------------------------------------------
    def _ensure_windows(self) -> None:
        with self.store.write() as conn:
            for window in self.settings.windows:
                conn.execute(
                    "INSERT OR IGNORE INTO window_state (window_number, paused, updated_at) VALUES (?, 0, ?)",
                    (window.number, to_stamp(self.clock.now())),
                )

    # -- lookups ------------------------------------------------------------------
    def _queue(self, queue_id: str) -> QueueDef:
        queue = self.settings.queue(queue_id)
        if queue is None:
            raise UnknownQueue(f"unknown queue {queue_id!r}", texts_zh.UNKNOWN_QUEUE, queue=queue_id)
        return queue

    def _window(self, number: int) -> WindowDef:
        window = self.settings.window(number)
        if window is None:
            raise UnknownWindow(f"unknown window {number}", texts_zh.UNKNOWN_WINDOW, window=number)
        return window

    def today(self) -> str:
        return business_day(self.clock.now()).isoformat()

    # -- issuing ------------------------------------------------------------------
    def issue(
        self,
        queue_id: str,
        priority: str = "normal",
        holder_id_number: str | None = None,
        channel: str = "kiosk",
        still_wanted: Callable[[], bool] | None = None,
        request_key: str | None = None,
    ) -> IssuedTicket:
        """Draw the next number of `queue_id` for today, or raise a typed refusal.

        `still_wanted` is asked once the write lock is held: a front end whose
        citizen left while the database was busy gets DrawCancelled instead of a
        number drawn for nobody.

        `request_key` (a remote kiosk's tap): recorded in the same transaction as the
        ticket; a request with a key already seen draws nothing and returns the ticket
        that key drew (`IssuedTicket.replayed`), with today's people ahead and estimate.
        """
        queue = self._queue(queue_id)
        if priority not in self.settings.priority_ids():
            raise UnknownPriority(f"unknown priority class {priority!r}", texts_zh.UNKNOWN_PRIORITY)
        now = self.clock.now()
        if self.enforce_hours:
            state = issuing_state(self.settings.hours, now)
            if not state.open:
                raise HallClosed(state.message_en, state.message_zh,
                                 next_open=state.next_open.isoformat() if state.next_open else None)
        day = business_day(now).isoformat()
        stamp = to_stamp(now)
        # The hash serves one thing only, the one-waiting-ticket-per-person rule: with the
        # rule off nothing of the holder is stored. retention.py clears the hashes once
        # their business day is over.
        one_per_person = self.settings.policy.one_waiting_ticket_per_person
        holder_hash = self.holder_key.holder_hash(holder_id_number) if holder_id_number and one_per_person else None

        with self.store.write() as conn:
            if request_key is not None:
                row = conn.execute("SELECT ticket_id FROM issue_requests WHERE request_key = ?",
                                   (request_key,)).fetchone()
                if row is not None:
                    return self._replayed(conn, row["ticket_id"], now)
            if still_wanted is not None and not still_wanted():
                raise DrawCancelled("the citizen left before the number was drawn", texts_zh.DRAW_CANCELLED)
            self._require_clock_not_behind(conn, now, stamp)
            if holder_hash:
                row = conn.execute(
                    "SELECT code FROM tickets WHERE holder_hash = ? AND business_day = ? AND queue_id = ? "
                    "AND status IN ('waiting', 'called', 'serving', 'suspended') LIMIT 1",
                    (holder_hash, day, queue.id),
                ).fetchone()
                if row:
                    raise HolderAlreadyWaiting(
                        f"holder already has open ticket {row['code']} in queue {queue.id}",
                        texts_zh.HOLDER_WAITING.format(queue=queue.name, code=row["code"]),
                        code=row["code"],
                    )
            # BEGIN IMMEDIATE holds the write lock, so nobody can draw between this
            # read and the insert; the partial unique index answers MAX() from its
            # last entry and would refuse a duplicate anyway.
            number = conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM tickets "
                "WHERE queue_id = ? AND business_day = ? AND origin_ticket_id IS NULL",
                (queue.id, day),
            ).fetchone()[0]
            if number > queue.daily_cap:
                # Nothing was written yet: the cap never burns a number.
                raise DailyCapReached(
                    f"queue {queue.id} reached its daily cap of {queue.daily_cap}",
                    texts_zh.DAILY_CAP.format(queue=queue.name),
                    cap=queue.daily_cap,
                )
            code = format_code(queue.prefix, number)
            ticket_id = conn.execute(
                "INSERT INTO tickets (queue_id, business_day, number, code, priority, holder_hash, channel, "
                "status, arrival_at, issued_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?)",
                (queue.id, day, number, code, priority, holder_hash, channel, stamp, stamp, stamp),
            ).lastrowid
            _event(conn, stamp, "issue", ticket_id, None, queue.id, channel, {"code": code, "priority": priority})
            if request_key is not None:
                conn.execute("INSERT INTO issue_requests (request_key, ticket_id, created_at) VALUES (?, ?, ?)",
                             (request_key, ticket_id, stamp))
            # Inside the write lock, so nobody is called or drawn meanwhile: the
            # tickets of this queue that call_next would call before this one.
            ahead = self._people_ahead(conn, queue, day, ticket_id)
            estimate = self.estimator.estimate(conn, queue, day, ahead, now, priority)
        local_now = from_stamp(stamp)
        ticket = Ticket(ticket_id, queue.id, day, number, code, priority, "waiting", channel, local_now, local_now,
                        None, None, None, None, 0, None, None)
        log.info("issued %s (queue %s, priority %s, %d ahead)", code, queue.id, priority, ahead)
        return IssuedTicket(ticket, queue.name, ahead, estimate)

    def _replayed(self, conn, ticket_id: int, now: dt.datetime) -> IssuedTicket:
        """The ticket an earlier request with the same key drew, as it stands now."""
        ticket = self._ticket_by_id(conn, ticket_id)
        queue = self._queue(ticket.queue_id)
        ahead = self._people_ahead(conn, queue, ticket.business_day, ticket.id) if ticket.status == "waiting" else 0
        estimate = self.estimator.estimate(conn, queue, ticket.business_day, ahead, now, ticket.priority)
        log.info("request for %s repeated: the same ticket, no new number", ticket.code)
        return IssuedTicket(ticket, queue.name, ahead, estimate, replayed=True)

    def _require_clock_not_behind(self, conn, now: dt.datetime, stamp: str) -> None:
        """Refuse to number tickets while the clock reads earlier than the last ticket.

        A hall mini-PC without an RTC battery or network time can boot days in the
        past: its business day would be wrong and numbering would start again at 001
        while today's 001 is still sitting in the hall. One rowid lookup (~5 µs).
        """
        # Drawn tickets only: a transfer copy keeps its original's issue time, so it
        # would bring an old (or once-future) stamp back to the top.
        row = conn.execute(
            "SELECT id, issued_at FROM tickets WHERE origin_ticket_id IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        if row is None or stamp >= row["issued_at"]:  # stamps are fixed-width UTC text: they sort as times
            return
        last = from_stamp(row["issued_at"])
        if last - now > CLOCK_BEHIND_TOLERANCE and not self._clock_confirmed_after(conn, row["id"], now):
            raise ClockBehind(
                f"clock reads {now.isoformat()} but a ticket was already issued at {last.isoformat()}: "
                "refusing to number tickets until the clock is set right",
                texts_zh.CLOCK_BEHIND,
                last_issued_at=last.isoformat(),
            )

    @staticmethod
    def _clock_confirmed_after(conn, ticket_id: int, now: dt.datetime) -> bool:
        """Has staff confirmed a clock that agrees with this one since ticket `ticket_id`?

        The other way a clock reads "behind": it once jumped ahead, tickets were
        drawn on that future day, and the clock is right again. Nothing but a
        person can tell the two apart, so staff confirm the clock and issuing goes on.
        The confirmation records the time the confirming clock showed; a machine
        whose own clock reads well before that (another box, days behind) is not
        covered by somebody else's confirmation.
        """
        row = conn.execute(
            "SELECT data FROM events WHERE kind = 'clock_confirmed' ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return False
        confirmed = json.loads(row["data"])
        if confirmed.get("through_ticket_id", 0) < ticket_id:
            return False
        return from_stamp(confirmed["clock"]) - now <= CLOCK_BEHIND_TOLERANCE

    def confirm_clock(self, actor: str = "staff") -> CounterResult:
        """Staff have checked the date and time: tickets drawn so far no longer hold issuing back."""
        stamp, _ = self._stamp_day()
        with self.store.write() as conn:
            row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets WHERE origin_ticket_id IS NULL").fetchone()
            _event(conn, stamp, "clock_confirmed", None, None, None, actor,
                   {"through_ticket_id": row[0], "clock": stamp})
        log.warning("clock confirmed by %s at %s: issuing resumes", actor, stamp)
        return CounterResult("confirm_clock", None, None, texts_zh.CLOCK_CONFIRMED)

    # -- counter operations ---------------------------------------------------------
    def call_next(self, window_number: int, actor: str = "staff") -> CounterResult:
        """Call the next ticket for this window: priority policy first, then first come."""
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            state = self._require_free_window(conn, window, day)
            chosen = self._choose_next(conn, window, day, bool(state["last_call_was_priority"]))
            if chosen is None:
                raise NobodyWaiting(f"nobody waiting for window {window.number}", texts_zh.NOBODY_WAITING)
            return self._call(conn, window, self._ticket_by_id(conn, chosen), stamp, actor, out_of_turn=False)

    def call_ticket(self, window_number: int, code: str, actor: str = "staff") -> CounterResult:
        """特呼: call one waiting ticket by its number, out of turn (staff decision)."""
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            self._require_free_window(conn, window, day)
            ticket = self._ticket_by_code(conn, code, day)
            self._require_serves(window, ticket.queue_id)
            if ticket.status != "waiting":
                raise self._state_error(ticket, "call")
            return self._call(conn, window, ticket, stamp, actor, out_of_turn=True)

    def _require_free_window(self, conn, window: WindowDef, day: str):
        state = self._window_state(conn, window.number)
        if state["paused"]:
            raise WindowPaused(f"window {window.number} is paused",
                               texts_zh.WINDOW_PAUSED_REFUSAL.format(window=window.number))
        current = self._current(conn, state, day)
        if current is not None:
            raise WindowBusy(f"window {window.number} still holds {current.code} ({current.status})",
                             texts_zh.WINDOW_BUSY.format(code=current.code), code=current.code)
        return state

    def _call(self, conn, window: WindowDef, ticket: Ticket, stamp: str, actor: str, out_of_turn: bool):
        conn.execute(
            "UPDATE tickets SET status = 'called', called_at = ?, window_number = ?, updated_at = ? WHERE id = ?",
            (stamp, window.number, stamp, ticket.id),
        )
        conn.execute("UPDATE window_state SET current_ticket_id = ?, updated_at = ? WHERE window_number = ?",
                     (ticket.id, stamp, window.number))
        if not out_of_turn:  # out-of-turn calls do not count for the interleave alternation
            conn.execute("UPDATE window_state SET last_call_was_priority = ? WHERE window_number = ?",
                         (int(ticket.is_priority), window.number))
        _event(conn, stamp, "call", ticket.id, window.number, ticket.queue_id, actor,
               {"code": ticket.code, "out_of_turn": out_of_turn})
        return CounterResult("call", window.number, self._ticket_by_id(conn, ticket.id),
                             texts_zh.CALL.format(code=ticket.code, window=window.number))

    def recall(self, window_number: int, actor: str = "staff") -> CounterResult:
        """Call the current ticket again; past the recall limit it becomes a no-show."""
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._require_current(conn, window, day, ("called",), "recall")
            recalls = ticket.recall_count + 1
            if recalls > self.settings.policy.recall_limit:
                self._set_status(conn, ticket.id, "no_show", stamp)
                self._clear_window(conn, window.number, stamp)
                _event(conn, stamp, "no_show", ticket.id, window.number, ticket.queue_id, actor,
                       {"code": ticket.code, "reason": "recall_limit"})
                return CounterResult("no_show", window.number, self._ticket_by_id(conn, ticket.id),
                                     extra={"reason": "recall_limit"})
            conn.execute("UPDATE tickets SET recall_count = ?, updated_at = ? WHERE id = ?",
                         (recalls, stamp, ticket.id))
            _event(conn, stamp, "recall", ticket.id, window.number, ticket.queue_id, actor,
                   {"code": ticket.code, "recall": recalls})
            announcement = texts_zh.RECALL.format(code=ticket.code, window=window.number)
            return CounterResult("recall", window.number, self._ticket_by_id(conn, ticket.id), announcement)

    def start(self, window_number: int, actor: str = "staff") -> CounterResult:
        """The citizen has arrived at the window: service time starts now."""
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._require_current(conn, window, day, ("called",), "start")
            conn.execute("UPDATE tickets SET status = 'serving', started_at = ?, updated_at = ? WHERE id = ?",
                         (stamp, stamp, ticket.id))
            _event(conn, stamp, "start", ticket.id, window.number, ticket.queue_id, actor, {"code": ticket.code})
            return CounterResult("start", window.number, self._ticket_by_id(conn, ticket.id))

    def finish(self, window_number: int, actor: str = "staff") -> CounterResult:
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._require_current(conn, window, day, AT_WINDOW, "finish")
            # Staff often press 办结 without 开始: the call time then counts as the start.
            implicit_start = ticket.started_at is None
            conn.execute(
                "UPDATE tickets SET status = 'finished', started_at = COALESCE(started_at, called_at), "
                "finished_at = ?, updated_at = ? WHERE id = ?",
                (stamp, stamp, ticket.id),
            )
            self._clear_window(conn, window.number, stamp)
            _event(conn, stamp, "finish", ticket.id, window.number, ticket.queue_id, actor,
                   {"code": ticket.code, "implicit_start": implicit_start})
            self.estimator.forget()  # a new service time
            return CounterResult("finish", window.number, self._ticket_by_id(conn, ticket.id))

    def no_show(self, window_number: int, actor: str = "staff") -> CounterResult:
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._require_current(conn, window, day, ("called",), "no_show")
            self._set_status(conn, ticket.id, "no_show", stamp)
            self._clear_window(conn, window.number, stamp)
            _event(conn, stamp, "no_show", ticket.id, window.number, ticket.queue_id, actor,
                   {"code": ticket.code, "reason": "staff"})
            return CounterResult("no_show", window.number, self._ticket_by_id(conn, ticket.id))

    def reactivate(self, code: str, actor: str = "staff") -> CounterResult:
        """A late citizen whose number passed goes back in line, at the back of it."""
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._ticket_by_code(conn, code, day)
            if ticket.status != "no_show":
                raise self._state_error(ticket, "reactivate")
            conn.execute(
                "UPDATE tickets SET status = 'waiting', arrival_at = ?, called_at = NULL, window_number = NULL, "
                "recall_count = 0, updated_at = ? WHERE id = ?",
                (stamp, stamp, ticket.id),
            )
            _event(conn, stamp, "reactivate", ticket.id, None, ticket.queue_id, actor, {"code": ticket.code})
            return CounterResult("reactivate", 0, self._ticket_by_id(conn, ticket.id))

    def transfer(self, window_number: int, to_queue_id: str, actor: str = "staff") -> CounterResult:
        """Send the current ticket to another queue, keeping its place by arrival time."""
        window = self._window(window_number)
        target = self._queue(to_queue_id)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._require_current(conn, window, day, AT_WINDOW, "transfer")
            if target.id == ticket.queue_id:
                raise TicketStateError(
                    f"{ticket.code} is already in queue {target.id}",
                    texts_zh.TICKET_STATE.format(code=ticket.code, status=target.name,
                                                 action=texts_zh.ACTION_NAMES["transfer"]),
                )
            copy_id = conn.execute(
                "INSERT INTO tickets (queue_id, business_day, number, code, priority, holder_hash, channel, status, "
                "arrival_at, issued_at, origin_ticket_id, updated_at) "
                "SELECT ?, business_day, number, code, priority, holder_hash, channel, 'waiting', arrival_at, "
                "issued_at, id, ? FROM tickets WHERE id = ?",
                (target.id, stamp, ticket.id),
            ).lastrowid
            conn.execute(
                "UPDATE tickets SET status = 'transferred', finished_at = ?, transferred_to_id = ?, updated_at = ? "
                "WHERE id = ?",
                (stamp, copy_id, stamp, ticket.id),
            )
            self._clear_window(conn, window.number, stamp)
            _event(conn, stamp, "transfer", ticket.id, window.number, ticket.queue_id, actor,
                   {"code": ticket.code, "to_queue": target.id, "new_ticket_id": copy_id})
            return CounterResult("transfer", window.number, self._ticket_by_id(conn, copy_id),
                                 extra={"from_queue": ticket.queue_id, "to_queue": target.id})

    def suspend(self, window_number: int, actor: str = "staff") -> CounterResult:
        """挂起: the citizen steps away (to copy a paper); the window can serve others."""
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            ticket = self._require_current(conn, window, day, AT_WINDOW, "suspend")
            conn.execute(
                "UPDATE tickets SET status = 'suspended', started_at = COALESCE(started_at, called_at), "
                "updated_at = ? WHERE id = ?",
                (stamp, ticket.id),
            )
            self._clear_window(conn, window.number, stamp)
            _event(conn, stamp, "suspend", ticket.id, window.number, ticket.queue_id, actor, {"code": ticket.code})
            return CounterResult("suspend", window.number, self._ticket_by_id(conn, ticket.id))

    def resume(self, window_number: int, code: str, actor: str = "staff") -> CounterResult:
        window = self._window(window_number)
        stamp, day = self._stamp_day()
        with self.store.write() as conn:
            state = self._window_state(conn, window.number)
            current = self._current(conn, state, day)
            if current is not None:
                raise WindowBusy(f"window {window.number} still holds {current.code}",
                                 texts_zh.WINDOW_BUSY.format(code=current.code), code=current.code)
            ticket = self._ticket_by_code(conn, code, day)
            if ticket.status != "suspended":
                raise self._state_error(ticket, "resume")
            self._require_serves(window, ticket.queue_id)
            conn.execute(
                "UPDATE tickets SET status = 'serving', window_number = ?, updated_at = ? WHERE id = ?",
                (window.number, stamp, ticket.id),
            )
            conn.execute("UPDATE window_state SET current_ticket_id = ?, updated_at = ? WHERE window_number = ?",
                         (ticket.id, stamp, window.number))
            _event(conn, stamp, "resume", ticket.id, window.number, ticket.queue_id, actor, {"code": ticket.code})
            return CounterResult("resume", window.number, self._ticket_by_id(conn, ticket.id))

    def pause_window(self, window_number: int, actor: str = "staff") -> CounterResult:
        window = self._window(window_number)
        stamp, _ = self._stamp_day()
        with self.store.write() as conn:
            conn.execute("UPDATE window_state SET paused = 1, updated_at = ? WHERE window_number = ?",
                         (stamp, window.number))
            _event(conn, stamp, "pause_window", None, window.number, None, actor, {})
        self.estimator.forget()  # open windows changed
        return CounterResult("pause_window", window.number, None,
                             texts_zh.WINDOW_PAUSED.format(window=window.number))

    def resume_window(self, window_number: int, actor: str = "staff") -> CounterResult:
        window = self._window(window_number)
        stamp, _ = self._stamp_day()
        with self.store.write() as conn:
            conn.execute("UPDATE window_state SET paused = 0, updated_at = ? WHERE window_number = ?",
                         (stamp, window.number))
            _event(conn, stamp, "resume_window", None, window.number, None, actor, {})
        self.estimator.forget()  # open windows changed
        return CounterResult("resume_window", window.number, None,
                             texts_zh.WINDOW_RESUMED.format(window=window.number))

    # -- reading ------------------------------------------------------------------------
    def ticket(self, code: str, day: str | None = None) -> Ticket:
        with self.store.read() as conn:
            return self._ticket_by_code(conn, code, day or self.today())

    def tickets(self, day: str | None = None, statuses: Iterable[str] | None = None) -> list[Ticket]:
        day = day or self.today()
        sql = "SELECT * FROM tickets WHERE business_day = ?"
        params: list = [day]
        if statuses:
            statuses = tuple(statuses)
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            params.extend(statuses)
        with self.store.read() as conn:
            return [row_to_ticket(r) for r in conn.execute(sql + " ORDER BY id", params)]

    def windows(self) -> list[WindowStatus]:
        day = self.today()
        result = []
        with self.store.read() as conn:
            for window in self.settings.windows:
                state = self._window_state(conn, window.number)
                result.append(WindowStatus(window.number, window.name, window.queues, bool(state["paused"]),
                                           self._current(conn, state, day)))
        return result

    def status(self) -> list[QueueStatus]:
        now = self.clock.now()
        day = business_day(now).isoformat()
        result = []
        with self.store.read() as conn:
            counts: dict[tuple[str, str], int] = {}
            for row in conn.execute(
                "SELECT queue_id, status, COUNT(*) AS n FROM tickets WHERE business_day = ? GROUP BY queue_id, status",
                (day,),
            ):
                counts[(row["queue_id"], row["status"])] = row["n"]
            transfers_in = dict(conn.execute(
                "SELECT queue_id, COUNT(*) FROM tickets WHERE business_day = ? AND origin_ticket_id IS NOT NULL "
                "GROUP BY queue_id", (day,)).fetchall())
            issued = dict(conn.execute(
                "SELECT queue_id, COUNT(*) FROM tickets WHERE business_day = ? AND origin_ticket_id IS NULL "
                "GROUP BY queue_id", (day,)).fetchall())
            last_codes = dict(conn.execute(
                "SELECT queue_id, code FROM tickets WHERE business_day = ? AND origin_ticket_id IS NULL "
                "AND number = (SELECT MAX(number) FROM tickets t2 WHERE t2.queue_id = tickets.queue_id "
                "AND t2.business_day = tickets.business_day AND t2.origin_ticket_id IS NULL)", (day,)).fetchall())
            for queue in self.settings.queues:
                waiting = counts.get((queue.id, "waiting"), 0)
                result.append(QueueStatus(
                    queue_id=queue.id,
                    name=queue.name,
                    issued=issued.get(queue.id, 0),
                    waiting=waiting,
                    at_window=counts.get((queue.id, "called"), 0) + counts.get((queue.id, "serving"), 0),
                    suspended=counts.get((queue.id, "suspended"), 0),
                    finished=counts.get((queue.id, "finished"), 0),
                    no_show=counts.get((queue.id, "no_show"), 0),
                    transferred_out=counts.get((queue.id, "transferred"), 0),
                    transferred_in=transfers_in.get(queue.id, 0),
                    open_windows=self.estimator.open_windows(conn, queue.id),
                    last_code=last_codes.get(queue.id),
                    estimate_for_next=self.estimator.estimate(conn, queue, day, waiting, now),
                ))
        return result

    def ticket_by_id(self, ticket_id: int) -> Ticket | None:
        """The ticket as it stands now; a transferred one is followed to its live copy. None if unknown."""
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM tickets WHERE id = ?", (int(ticket_id),)).fetchone()
            for _hop in range(20):  # a transfer chain is short; never loop on damage
                if row is None or row["transferred_to_id"] is None:
                    break
                row = conn.execute("SELECT * FROM tickets WHERE id = ?", (row["transferred_to_id"],)).fetchone()
        return row_to_ticket(row) if row is not None else None

    def people_ahead(self, ticket: Ticket) -> int:
        """How many call_next would call before this waiting ticket now (0 unless waiting today)."""
        if ticket.status != "waiting" or ticket.business_day != self.today():
            return 0
        with self.store.read() as conn:
            return self._people_ahead(conn, self._queue(ticket.queue_id), ticket.business_day, ticket.id)

    def estimate_wait(self, queue_id: str, people_ahead: int, priority: str = "normal") -> WaitEstimate:
        """The wait for somebody (of class `priority`) with `people_ahead` tickets before them in this
        queue today."""
        queue = self._queue(queue_id)
        now = self.clock.now()
        with self.store.read() as conn:
            return self.estimator.estimate(conn, queue, business_day(now).isoformat(), people_ahead, now, priority)

    def ticket_wait(self, ticket: Ticket) -> tuple[int, WaitEstimate | None]:
        """(people ahead, wait) of a ticket as it stands now: what issuing told its holder, brought up
        to date by the same estimator from one read of the hall (None: it is not waiting today)."""
        if ticket.status != "waiting" or ticket.business_day != self.today():
            return 0, None
        queue = self._queue(ticket.queue_id)
        now = self.clock.now()
        with self.store.read() as conn:
            ahead = self._people_ahead(conn, queue, ticket.business_day, ticket.id)
            return ahead, self.estimator.estimate(conn, queue, ticket.business_day, ahead, now, ticket.priority)

    def last_event_id(self) -> int:
        """The newest event's id (0 before the first): cheap enough to poll several times a second."""
        with self.store.read() as conn:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])

    def events_after(self, event_id: int, kinds: Iterable[str] | None = None, limit: int = 200) -> list[dict]:
        """Events newer than `event_id`, oldest first (live displays follow the log with this)."""
        sql, params = "SELECT * FROM events WHERE id > ?", [int(event_id)]
        if kinds:
            kinds = tuple(kinds)
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        with self.store.read() as conn:
            rows = conn.execute(sql + " ORDER BY id LIMIT ?", (*params, int(limit))).fetchall()
        return [dict(row) | {"data": json.loads(row["data"] or "{}")} for row in rows]

    def recent_events(self, kinds: Iterable[str], since: str, limit: int = 10) -> list[dict]:
        """The newest events of these kinds at or after the stamp `since`, newest first."""
        kinds = tuple(kinds)
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM events WHERE kind IN ({','.join('?' * len(kinds))}) AND at >= ? "
                "ORDER BY id DESC LIMIT ?", (*kinds, since, int(limit))).fetchall()
        return [dict(row) | {"data": json.loads(row["data"] or "{}")} for row in rows]

    def events(self, ticket_id: int | None = None) -> list[dict]:
        sql, params = "SELECT * FROM events", ()
        if ticket_id is not None:
            sql, params = sql + " WHERE ticket_id = ?", (ticket_id,)
        with self.store.read() as conn:
            rows = conn.execute(sql + " ORDER BY id", params).fetchall()
        return [dict(row) | {"data": json.loads(row["data"] or "{}")} for row in rows]

    # -- internals ---------------------------------------------------------------------
    def _stamp_day(self) -> tuple[str, str]:
        now = self.clock.now()
        return to_stamp(now), business_day(now).isoformat()

    def _window_state(self, conn, number: int):
        return conn.execute("SELECT * FROM window_state WHERE window_number = ?", (number,)).fetchone()

    def _current(self, conn, state, day: str) -> Ticket | None:
        if state["current_ticket_id"] is None:
            return None
        ticket = self._ticket_by_id(conn, state["current_ticket_id"])
        # Yesterday's unfinished ticket does not block today's window.
        if ticket.business_day != day or ticket.status not in AT_WINDOW:
            return None
        return ticket

    def _require_current(self, conn, window: WindowDef, day: str, allowed: tuple[str, ...], action: str) -> Ticket:
        current = self._current(conn, self._window_state(conn, window.number), day)
        if current is None:
            raise NoCurrentTicket(f"window {window.number} has no current ticket to {action}",
                                  texts_zh.NO_CURRENT.format(window=window.number))
        if current.status not in allowed:
            raise self._state_error(current, action)
        return current

    def _require_serves(self, window: WindowDef, queue_id: str) -> None:
        if queue_id not in window.queues:
            queue = self._queue(queue_id)
            raise WindowNotServingQueue(
                f"window {window.number} does not serve queue {queue_id}",
                texts_zh.WINDOW_NOT_SERVING.format(window=window.number, queue=queue.name),
            )

    def _state_error(self, ticket: Ticket, action: str) -> TicketStateError:
        return TicketStateError(
            f"cannot {action} {ticket.code}: it is {ticket.status}",
            texts_zh.TICKET_STATE.format(code=ticket.code, status=texts_zh.STATUS_NAMES[ticket.status],
                                         action=texts_zh.ACTION_NAMES[action]),
            code=ticket.code, status=ticket.status,
        )

    def _set_status(self, conn, ticket_id: int, status: str, stamp: str) -> None:
        conn.execute("UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", (status, stamp, ticket_id))

    def _clear_window(self, conn, number: int, stamp: str) -> None:
        conn.execute("UPDATE window_state SET current_ticket_id = NULL, updated_at = ? WHERE window_number = ?",
                     (stamp, number))

    def _ticket_by_id(self, conn, ticket_id: int) -> Ticket:
        row = conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise TicketNotFound(f"no ticket id {ticket_id}", texts_zh.TICKET_NOT_FOUND.format(code=ticket_id))
        return row_to_ticket(row)

    def _ticket_by_code(self, conn, code: str, day: str) -> Ticket:
        # A transferred ticket has two rows with one code: the live one is the newest.
        row = conn.execute(
            "SELECT * FROM tickets WHERE business_day = ? AND code = ? ORDER BY id DESC LIMIT 1",
            (day, code.strip().upper()),
        ).fetchone()
        if row is None:
            raise TicketNotFound(f"no ticket {code} on {day}", texts_zh.TICKET_NOT_FOUND.format(code=code))
        return row_to_ticket(row)

    def _choose_next(self, conn, window: WindowDef, day: str, last_was_priority: bool) -> int | None:
        waiting = self._waiting(conn, day, window.queues)
        first = next(call_order(waiting, self.settings.policy, last_was_priority), None)
        return first.id if first else None

    def _waiting(self, conn, day: str, queue_ids: tuple[str, ...]) -> list[WaitingTicket]:
        """Today's waiting tickets of these queues, in one indexed query."""
        marks = ",".join("?" * len(queue_ids))
        return [WaitingTicket(*row) for row in conn.execute(
            f"SELECT id, priority, arrival_at FROM tickets WHERE business_day = ? AND queue_id IN ({marks}) "
            "AND status = 'waiting'", (day, *queue_ids))]

    def _people_ahead(self, conn, queue: QueueDef, day: str, ticket_id: int) -> int:
        """How many tickets of `queue` call_next would call before waiting ticket `ticket_id`.

        The picks of call_next simulated on this queue's waiting tickets as they are
        now, as if nobody else arrived. Exact under the strict and aging policies,
        whose order within a queue does not depend on which window calls. Under
        interleave it is an estimate: each window alternates on its own and over all
        the queues it serves, so the count follows this queue alone at one window;
        where the windows serving the queue are at different points of their
        alternation, it takes the larger count (better told one too many than one
        too few).
        """
        waiting = self._waiting(conn, day, (queue.id,))
        policy = self.settings.policy
        if policy.priority_policy != "interleave":
            return picks_before(ticket_id, waiting, policy, last_was_priority=False)
        serving = [w.number for w in self.settings.windows if queue.id in w.queues]
        marks = ",".join("?" * len(serving))
        states = {bool(row[0]) for row in conn.execute(
            f"SELECT last_call_was_priority FROM window_state WHERE window_number IN ({marks})", serving)}
        return max(picks_before(ticket_id, waiting, policy, state) for state in states or {False})


def format_code(prefix: str, number: int) -> str:
    """A001 … A999, then A1000: three digits at least, never wrapping around."""
    return f"{prefix}{number:03d}"


def _event(conn, stamp: str, kind: str, ticket_id, window, queue_id, actor, data: dict) -> None:
    conn.execute(
        "INSERT INTO events (at, kind, ticket_id, window_number, queue_id, actor, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (stamp, kind, ticket_id, window, queue_id, actor, json.dumps(data, ensure_ascii=False)),
    )

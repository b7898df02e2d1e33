"""Today's waiting tickets in call order, kept between estimates and brought up to date from the event log.

A wait estimate plays the windows forward over every waiting ticket of the queues
that share windows with the citizen's. Reading and ordering those tickets afresh
for each estimate costs about a millisecond at 200 waiting; between two estimates
usually one ticket was drawn or called. The line remembers the tickets and the
newest event it has applied, and on each use reads only the events after it (one
indexed range read, empty most of the time): a drawn, called or reactivated
ticket is read again by id and put in or taken out; anything else that changes
who waits (a transfer, a new day, an event it cannot vouch for) makes it read the
day's waiting tickets again. Every change to a waiting ticket writes an event in
the same transaction (engine.py), so the event log is a faithful change feed,
also for other processes of the hall.

Order keys follow `call_order`: under the strict and aging policies the order is
a sort, so each ticket's key is fixed at arrival and the line keeps one sorted
list per queue; the window free next calls the smallest key among the heads of
the queues it serves. Under interleave the order depends on the window's
alternation: the line keeps the tickets, and positions come from `call_order`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from dataclasses import dataclass

from kiosk.config import QueuePolicy
from kiosk.queueing.call_order import WaitingTicket, call_order

# Events that put a ticket into the waiting line or take it out, by the ticket's own id.
_REREAD_KINDS = ("issue", "call", "reactivate")
# Events that change who waits in a way the line does not follow ticket by ticket.
_REBUILD_KINDS = ("transfer",)
_MAX_EVENTS_APPLIED = 64  # more new events than this: reading the line again is as cheap


@dataclass(frozen=True)
class Heads:
    """Each queue's waiting tickets in call order, as (order key, ticket id); keys compare across queues."""

    by_queue: dict[str, list[tuple]]

    def count(self, queue_id: str) -> int:
        return len(self.by_queue.get(queue_id, ()))


class WaitingLine:
    """The day's waiting tickets, shared by every estimate of this process (thread-safe)."""

    def __init__(self, policy: QueuePolicy) -> None:
        self.policy = policy
        # The order as a sort key (strict, aging), or None where it is not a sort (interleave).
        self._key = _sort_key(policy) if policy.priority_policy in ("strict", "aging") else None
        self._lock = threading.Lock()
        self._day: str | None = None
        self._last_event: tuple[int, str, int | None] | None = None  # (id, kind, ticket_id) applied last
        self._tickets: dict[int, tuple[str, WaitingTicket]] = {}
        self._heads: dict[tuple[str, ...], Heads] = {}
        self.rebuilds = 0  # for tests and the bench: how often the whole line was read

    def heads(self, conn, day: str, queues: tuple[str, ...]) -> Heads:
        """The waiting tickets of `queues` (connected by windows), in call order, as the database has them now."""
        with self._lock:
            self._refresh(conn, day)
            heads = self._heads.get(queues)
            if heads is None:
                heads = self._heads[queues] = self._order(queues)
            return heads

    def forget(self) -> None:
        with self._lock:
            self._day = None

    # -- keeping up with the event log ---------------------------------------------------------
    def _refresh(self, conn, day: str) -> None:
        if self._day != day or self._last_event is None:
            self._rebuild(conn, day)
            return
        last_id, last_kind, last_ticket = self._last_event
        # The event applied last must still be there as it was: a write rolled back after this
        # line saw it (inside the writer's transaction) leaves its id free for another event.
        row = conn.execute("SELECT kind, ticket_id FROM events WHERE id = ?", (last_id,)).fetchone()
        if row is None or (row[0], row[1]) != (last_kind, last_ticket):
            self._rebuild(conn, day)
            return
        events = conn.execute("SELECT id, kind, ticket_id FROM events WHERE id > ? ORDER BY id LIMIT ?",
                              (last_id, _MAX_EVENTS_APPLIED + 1)).fetchall()
        if not events:
            return
        if len(events) > _MAX_EVENTS_APPLIED or any(e[1] in _REBUILD_KINDS for e in events):
            self._rebuild(conn, day)
            return
        reread = sorted({e[2] for e in events if e[1] in _REREAD_KINDS and e[2] is not None})
        if reread:
            marks = ",".join("?" * len(reread))
            rows = {row[0]: row for row in conn.execute(
                f"SELECT id, queue_id, priority, arrival_at, business_day, status FROM tickets WHERE id IN ({marks})",
                reread)}
            for ticket_id in reread:
                row = rows.get(ticket_id)
                self._take_out(ticket_id)
                if row is not None and row[5] == "waiting" and row[4] == day:
                    self._put_in(row[1], WaitingTicket(row[0], row[2], row[3]))
        self._last_event = tuple(events[-1])

    def _rebuild(self, conn, day: str) -> None:
        self.rebuilds += 1
        # The newest event first: whatever is written after it is applied on the next use.
        row = conn.execute("SELECT id, kind, ticket_id FROM events ORDER BY id DESC LIMIT 1").fetchone()
        self._last_event = tuple(row) if row is not None else (0, "", None)
        self._tickets = {row[1]: (row[0], WaitingTicket(*row[1:])) for row in conn.execute(
            "SELECT queue_id, id, priority, arrival_at FROM tickets WHERE business_day = ? AND status = 'waiting'",
            (day,))}
        self._day = day
        self._heads = {}
        if row is None:
            self._last_event = None  # no event yet: read again next time (cheap on an empty day)

    # -- call order ------------------------------------------------------------------------------
    def _put_in(self, queue_id: str, ticket: WaitingTicket) -> None:
        self._tickets[ticket.id] = (queue_id, ticket)
        if self._key is None:
            self._heads = {}
            return
        item = (self._key(ticket), ticket.id)
        for queues, heads in list(self._heads.items()):
            if queue_id in heads.by_queue:
                # Copy on write: an estimate running on another thread may be reading the old list.
                items = list(heads.by_queue[queue_id])
                bisect.insort(items, item)
                self._heads[queues] = Heads({**heads.by_queue, queue_id: items})

    def _take_out(self, ticket_id: int) -> None:
        entry = self._tickets.pop(ticket_id, None)
        if entry is None:
            return
        if self._key is None:
            self._heads = {}
            return
        queue_id = entry[0]
        for queues, heads in list(self._heads.items()):
            if queue_id in heads.by_queue:
                items = [item for item in heads.by_queue[queue_id] if item[1] != ticket_id]
                self._heads[queues] = Heads({**heads.by_queue, queue_id: items})

    def _order(self, queues: tuple[str, ...]) -> Heads:
        members = [(q, t) for q, t in self._tickets.values() if q in queues]
        by_queue: dict[str, list[tuple]] = {q: [] for q in queues}
        if self._key is not None:
            for q, t in members:
                by_queue[q].append((self._key(t), t.id))
            for items in by_queue.values():
                items.sort()
        else:
            queue_of = {t.id: q for q, t in members}
            for position, t in enumerate(call_order([t for _, t in members], self.policy, last_was_priority=False)):
                by_queue[queue_of[t.id]].append(((position,), t.id))
        return Heads(by_queue)


def _sort_key(policy: QueuePolicy):
    """The sort key of `call_order` under strict or aging, as a tuple that compares across queues."""
    parse = dt.datetime.fromisoformat
    if policy.priority_policy == "strict":
        return lambda t: (0 if t.is_priority else 1, t.arrival_at)  # fixed-width UTC stamps sort as times
    head_start = policy.aging_minutes * 60.0
    return lambda t: (0, parse(t.arrival_at).timestamp() - (head_start if t.is_priority else 0.0))

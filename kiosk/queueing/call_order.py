"""The order in which call_next calls waiting tickets, under the hall's priority policy.

One definition of the policy, used twice: call_next calls the first ticket of
`call_order` over the waiting tickets of the window's queues, and issuing tells a
citizen how many tickets of the queue come before theirs in that same order
(`picks_before`). Pure Python over rows already read; no database here.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator, NamedTuple

from kiosk.config import QueuePolicy


class WaitingTicket(NamedTuple):
    """The three columns of a waiting ticket that decide when it is called."""

    id: int
    priority: str
    arrival_at: str  # stored UTC stamp: fixed-width text, so it sorts as a time

    @property
    def is_priority(self) -> bool:
        return self.priority != "normal"


def call_order(waiting: Iterable[WaitingTicket], policy: QueuePolicy,
               last_was_priority: bool) -> Iterator[WaitingTicket]:
    """The tickets in the order successive call_next picks at one window take them.

    As if nobody else arrived meanwhile. `last_was_priority` is the window's
    alternation state (whether its last in-turn call was a priority ticket); only
    the interleave policy reads it.
    """
    if policy.priority_policy == "strict":
        # Priority tickets always first; first come, first served within each class.
        yield from sorted(waiting, key=lambda t: (not t.is_priority, t.arrival_at, t.id))
    elif policy.priority_policy == "aging":
        # A priority ticket counts as having arrived aging_minutes earlier. The key is
        # fixed at arrival, so the order does not change as the clock runs: a normal
        # ticket that has waited longer than aging_minutes stays ahead of a priority
        # ticket drawn now, and no simulation of time is needed.
        head_start = dt.timedelta(minutes=policy.aging_minutes)
        parse = dt.datetime.fromisoformat

        def aged(t: WaitingTicket) -> tuple[dt.datetime, int]:
            arrival = parse(t.arrival_at)
            return (arrival - head_start if t.is_priority else arrival), t.id

        yield from sorted(waiting, key=aged)
    else:  # interleave 1:1: serve the other class when it has someone waiting
        yield from _interleave(waiting, last_was_priority)


def _interleave(waiting: Iterable[WaitingTicket], last_was_priority: bool) -> Iterator[WaitingTicket]:
    # Each pick prefers the class the last pick was not, and the window remembers
    # the class of what it called: simulate those picks one after another.
    first_come = sorted(waiting, key=lambda t: (t.arrival_at, t.id))
    normal = [t for t in first_come if not t.is_priority]
    priority = [t for t in first_come if t.is_priority]
    n = p = 0
    while n < len(normal) or p < len(priority):
        # When the preferred class has nobody, the first come overall is the other
        # class's first.
        if (not last_was_priority and p < len(priority)) or n == len(normal):
            chosen, p = priority[p], p + 1
        else:
            chosen, n = normal[n], n + 1
        last_was_priority = chosen.is_priority
        yield chosen


def picks_before(ticket_id: int, waiting: Iterable[WaitingTicket], policy: QueuePolicy,
                 last_was_priority: bool) -> int:
    """How many of `waiting` call_next would call before ticket `ticket_id` (one of them)."""
    for picks, ticket in enumerate(call_order(waiting, policy, last_was_priority)):
        if ticket.id == ticket_id:
            return picks
    raise ValueError(f"ticket {ticket_id} is not among the waiting tickets")

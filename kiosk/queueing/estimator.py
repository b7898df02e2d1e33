"""The wait a new ticket is told: when, as things stand, a window will call it.

What the engine knows at issue time, all read inside the issuing transaction:

* the open windows (not paused) and, for each, how long its current ticket has
  been at the window (since it was called);
* today's waiting tickets of the queues those windows serve, in call order
  (`call_order`, the priority policy included);
* per queue, how long a window was taken by each of its last few tickets
  today (called → finished, transferred or no-show), blended with the
  configured norm while there are few of them.

The windows are then played forward on expected durations: the window that
frees first calls the first ticket, in call order, of the queues it serves,
until the citizen's own turn comes. A busy window frees after the expected rest
of its current service, given how long it has run already (the mean of the
recent durations longer than that, minus the elapsed time). Nobody ahead but
every window busy is therefore a wait, not "now".

The range is the spread of that wait: the variance of the durations ahead of
the citizen (and of the current services' rests), shared by the windows that
can call them, widened for what cannot be seen at issue (priority citizens who
come later and are called first, no-shows). It is a range around an
expectation, never a promise; with no open window the text says so.

Cost per issue: two small indexed reads (window states with their current
tickets, today's waiting tickets of the connected queues) and a loop over the
waiting tickets; the recent durations are read once per finish (or every few
seconds for another process's finishes) and reused.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import time
from dataclasses import dataclass

from devices.base.clock import from_stamp, to_stamp
from kiosk.config import QueueDef, Settings
from kiosk.queueing.call_order import WaitingTicket, call_order
from kiosk.queueing.models import WaitEstimate

SERVICE_SAMPLE = 20  # the last this many of today's window times per queue
PRIOR_SAMPLE = 40  # the last this many of the last working day's, as the prior
ESTIMATE_INPUTS_TTL = 5.0  # seconds another process's finish may take to show in estimates
PRIOR_WEIGHT = 3.0  # the configured norm counts as this many services until today's are known
PRIOR_SPREAD = 0.5  # until then, window times are taken to spread by half the norm (sd)
MIN_SAMPLES_TODAY = 5  # basis "today" from this many of today's window times
# The rest of a service that has already run longer than nearly all recent ones:
# it should end soon, but how soon nobody knows. This share of the mean, as mean and sd.
OVERRUN_SHARE = 0.25
# The range holds the expected wait ± this many standard deviations (≈ the 10th to the
# 90th percentile of a normal spread).
RANGE_Z = 1.2816
# What the windows' play-forward cannot see, as spread per minute of expected wait:
# priority citizens who come later and go first, no-shows, transfers in, staff breaks.
UNSEEN_SPREAD_PER_MINUTE = 0.15
PRIORITY_RATE_MINUTES = 60  # the priority tickets of the last this many minutes give their rate


@dataclass(frozen=True)
class Durations:
    """How long one queue's tickets take a window (minutes): the recent ones and their blend with the norm."""

    samples: tuple[float, ...]
    mean: float
    sd: float
    today: bool

    @classmethod
    def blend(cls, samples: list[float], prior_mean: float, prior_sd: float) -> "Durations":
        """Today's samples with the prior (the last working day's, else the norm) counted PRIOR_WEIGHT times."""
        n = len(samples)
        mean = (sum(samples) + PRIOR_WEIGHT * prior_mean) / (n + PRIOR_WEIGHT)
        spread = sum((s - mean) ** 2 for s in samples) + PRIOR_WEIGHT * (prior_sd ** 2 + (prior_mean - mean) ** 2)
        return cls(tuple(samples), mean, math.sqrt(spread / (n + PRIOR_WEIGHT)), n >= MIN_SAMPLES_TODAY)

    @classmethod
    def norm(cls, norm: float) -> "Durations":
        return cls.blend([], norm, PRIOR_SPREAD * norm)

    def rest(self, elapsed: float) -> tuple[float, float]:
        """Expected rest and its sd of a service that has been at the window `elapsed` minutes."""
        longer = [s - elapsed for s in self.samples if s > elapsed]
        if len(longer) >= 2 and len(self.samples) >= MIN_SAMPLES_TODAY:
            rest = sum(longer) / len(longer)
            return rest, math.sqrt(sum((r - rest) ** 2 for r in longer) / len(longer))
        if elapsed < self.mean:
            # Few samples yet: the norm-based mean, less what has run, with the full spread.
            return max(self.mean - elapsed, OVERRUN_SHARE * self.mean), self.sd
        return OVERRUN_SHARE * self.mean, OVERRUN_SHARE * self.mean


@dataclass(frozen=True)
class _Window:
    number: int
    queues: tuple[str, ...]
    free_in: float  # minutes until it can call again (0: free now)
    free_var: float


class WaitEstimator:
    def __init__(self, settings: Settings, inputs_ttl: float = ESTIMATE_INPUTS_TTL) -> None:
        self.settings = settings
        self.inputs_ttl = inputs_ttl
        self._cache: dict[tuple[str, str], tuple[float, Durations]] = {}
        self._priors: dict[tuple[str, str], tuple[float, float]] = {}
        self._connected = _connected_queues(settings)

    def forget(self) -> None:
        """Drop the reused durations: a service finished (or windows changed)."""
        self._cache.clear()

    def open_windows(self, conn, queue_id: str) -> int:
        serving = [w.number for w in self.settings.windows if queue_id in w.queues]
        if not serving:
            return 0
        marks = ",".join("?" * len(serving))
        return conn.execute(
            f"SELECT COUNT(*) FROM window_state WHERE paused = 0 AND window_number IN ({marks})", serving
        ).fetchone()[0]

    def estimate(self, conn, queue: QueueDef, day: str, ahead: int, now: dt.datetime,
                 priority: str = "normal") -> WaitEstimate:
        """The wait of whoever (of class `priority`) has `ahead` tickets of `queue` before them in call
        order, told at `now`."""
        windows = self._windows(conn, day, now)
        serving = [w for w in windows if queue.id in w.queues]
        if not serving:
            return WaitEstimate(None, None, 0, "none")
        queues = self._connected[queue.id]
        durations = {q: self.durations(conn, q, day) for q in queues}
        waiting = self._waiting(conn, day, queues)
        mean, var = play_forward(windows, waiting, self.settings.policy, durations, queue.id, ahead)
        if mean is None:  # nothing can call it (cannot happen while a window serves the queue)
            return WaitEstimate(None, None, len(serving), "none")
        # Priority citizens still to come who will be called first: at the last hour's rate,
        # those arriving while this citizen waits (under aging, within the head start only),
        # each one more service at one of the windows.
        jumpers = self._priority_rate(conn, queue.id, day, now) * self._overtaken_for(mean, priority)
        mean += jumpers * durations[queue.id].mean / len(serving)
        var += jumpers * durations[queue.id].sd ** 2 / len(serving) ** 2
        sd = math.sqrt(var) + UNSEEN_SPREAD_PER_MINUTE * mean
        # Minutes of window work from now; a call beyond the end of this period (and the
        # calling on after it) waits out the break as well.
        on_clock = self._wall_minutes(now)
        low_minutes = max(0, math.floor(on_clock(mean - RANGE_Z * sd)))
        high_minutes = math.ceil(on_clock(mean + RANGE_Z * sd))
        if high_minutes > 0:
            high_minutes = max(high_minutes, low_minutes + 1)
        basis = "today" if durations[queue.id].today else "norm"
        return WaitEstimate(low_minutes, high_minutes, len(serving), basis)

    def _overtaken_for(self, wait: float, priority: str) -> float:
        """Minutes of the coming wait during which a newly drawn priority ticket is called before this one."""
        policy = self.settings.policy
        if priority != "normal":
            return 0.0  # later priority tickets queue behind it; normal ones never pass it
        if policy.priority_policy == "aging":
            return min(wait, policy.aging_minutes)
        if policy.priority_policy == "interleave":
            return wait / 2  # every other call at most
        return wait

    def _priority_rate(self, conn, queue_id: str, day: str, now: dt.datetime) -> float:
        """Priority tickets drawn in this queue per minute over the last hour (from the day's few hundred rows)."""
        since = to_stamp(now - dt.timedelta(minutes=PRIORITY_RATE_MINUTES))
        count = conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE business_day = ? AND queue_id = ? AND priority != 'normal' "
            "AND origin_ticket_id IS NULL AND issued_at >= ? AND issued_at < ?",
            (day, queue_id, since, to_stamp(now))).fetchone()[0]
        return count / PRIORITY_RATE_MINUTES

    def _wall_minutes(self, now: dt.datetime):
        """Maps minutes of window work from `now` to minutes on the clock: the windows call until
        serve_after_close_minutes past this period's end, then from the next period's start."""
        hours = self.settings.hours
        grace = dt.timedelta(minutes=hours.serve_after_close_minutes)
        periods = hours.periods_on(now.date())
        local = lambda t: dt.datetime.combine(now.date(), t, tzinfo=now.tzinfo)  # noqa: E731
        for index, period in enumerate(periods):
            stop = local(period.end) + grace
            if local(period.start) <= now < stop:
                if index + 1 == len(periods):
                    break  # after the last period nobody is called today: no break to add
                work = (stop - now).total_seconds() / 60
                pause = (local(periods[index + 1].start) - stop).total_seconds() / 60
                if pause <= 0:
                    break
                return lambda minutes: minutes if minutes <= work else minutes + pause
        return lambda minutes: minutes

    def durations(self, conn, queue_id: str, day: str) -> Durations:
        """The queue's recent window times today, reused until a finish or for a few seconds.

        Window time runs from the call to the finish (or transfer, or no-show): the
        walk to the window is part of what the next citizen waits for.
        """
        key = (queue_id, day)
        cached = self._cache.get(key)
        clock = time.monotonic()
        if cached is not None and cached[0] > clock:
            return cached[1]
        samples = _window_times(conn, queue_id, day, SERVICE_SAMPLE)
        prior_mean, prior_sd = self._prior(conn, queue_id, day)
        result = Durations.blend(samples, prior_mean, prior_sd)
        self._cache[key] = (clock + self.inputs_ttl, result)
        return result

    def _prior(self, conn, queue_id: str, day: str) -> tuple[float, float]:
        """Mean and sd of the queue's window times on the last earlier day it had enough of them, else
        the configured norm (with PRIOR_SPREAD). Read once a day per queue."""
        key = (queue_id, day)
        if key not in self._priors:
            queue = self.settings.queue(queue_id)
            norm = queue.norm_service_minutes if queue is not None else 10.0
            prior = (norm, PRIOR_SPREAD * norm)
            row = conn.execute("SELECT MAX(business_day) FROM tickets WHERE business_day < ? AND queue_id = ?",
                               (day, queue_id)).fetchone()
            if row and row[0]:
                before = _window_times(conn, queue_id, row[0], PRIOR_SAMPLE)
                if len(before) >= MIN_SAMPLES_TODAY:
                    mean = sum(before) / len(before)
                    prior = (mean, math.sqrt(sum((s - mean) ** 2 for s in before) / len(before)))
            self._priors = {k: v for k, v in self._priors.items() if k[1] == day}  # yesterday's go
            self._priors[key] = prior
        return self._priors[key]

    def _windows(self, conn, day: str, now: dt.datetime) -> list[_Window]:
        """The open windows, each with when it is expected to be free."""
        by_number = {w.number: w for w in self.settings.windows}
        rows = conn.execute(
            "SELECT w.window_number, w.paused, t.queue_id, t.status, t.business_day, t.called_at "
            "FROM window_state w LEFT JOIN tickets t ON t.id = w.current_ticket_id").fetchall()
        result = []
        for number, paused, queue_id, status, ticket_day, called_at in rows:
            window = by_number.get(number)
            if window is None or paused:
                continue
            free_in, free_var = 0.0, 0.0
            if status in ("called", "serving") and ticket_day == day and called_at:
                elapsed = max(0.0, (now - from_stamp(called_at)).total_seconds() / 60)
                norm_queue = self.settings.queue(queue_id)
                if norm_queue is not None:
                    free_in, sd = self.durations(conn, queue_id, day).rest(elapsed)
                    free_var = sd * sd
            result.append(_Window(number, window.queues, free_in, free_var))
        return result

    @staticmethod
    def _waiting(conn, day: str, queues: tuple[str, ...]) -> list[tuple[str, WaitingTicket]]:
        marks = ",".join("?" * len(queues))
        return [(row[0], WaitingTicket(*row[1:])) for row in conn.execute(
            f"SELECT queue_id, id, priority, arrival_at FROM tickets WHERE business_day = ? "
            f"AND queue_id IN ({marks}) AND status = 'waiting'", (day, *queues))]


def play_forward(windows: list[_Window], waiting: list[tuple[str, WaitingTicket]], policy,
                 durations: dict[str, Durations], queue_id: str, ahead: int) -> tuple[float | None, float]:
    """Expected minutes until the (ahead+1)-th ticket of `queue_id` in call order is called, and its variance.

    The window free first calls the first ticket, in call order, of the queues it
    serves; it is then busy for that queue's mean window time. Tickets of the queue
    beyond those waiting (a hypothetical citizen further back) come last. The
    variance is that of the services the windows serving the queue perform before
    the call (and of their current rests), shared among those windows: the
    renewal-process spread of the k-th departure from m windows, k·σ²/m².
    """
    queue_of = {t.id: q for q, t in waiting}
    ordered = list(call_order([t for _, t in waiting], policy, last_was_priority=False))
    heads: dict[str, list[tuple[int, int]]] = {}  # queue -> its tickets as (position, id), in order
    for position, ticket in enumerate(ordered):
        heads.setdefault(queue_of[ticket.id], []).append((position, ticket.id))
    # The target: the (ahead+1)-th of its queue; beyond those waiting, virtual tickets at the end.
    mine = heads.setdefault(queue_id, [])
    end = len(ordered)
    while len(mine) <= ahead:
        mine.append((end, -1 - len(mine)))
        end += 1
    target = mine[ahead][0]
    cursor = {q: 0 for q in heads}
    serving = [w for w in windows if queue_id in w.queues]
    m = len(serving)
    if m == 0:
        return None, 0.0
    # (when it ends, its variance) of each service at the windows serving the queue: those
    # ended by the call are what the citizen waited through.
    ends = [(w.free_in, w.free_var) for w in serving if w.free_in > 0]
    free = [(w.free_in, w.number, w) for w in windows]
    heapq.heapify(free)
    while free:
        at, number, window = heapq.heappop(free)
        # The first ticket, in call order, among the heads of the queues this window serves.
        best = None
        for q in window.queues:
            items = heads.get(q)
            if items is not None and cursor[q] < len(items):
                position = items[cursor[q]][0]
                if best is None or position < best[0]:
                    best = (position, q)
        if best is None:
            continue  # nothing left this window can call: it drops out
        position, q = best
        if position == target:
            return at, sum(v for end, v in ends if end <= at + 1e-9) / (m * m)
        cursor[q] += 1
        took = durations[q] if q in durations else Durations.norm(10.0)
        if queue_id in window.queues:
            ends.append((at + took.mean, took.sd ** 2))
        heapq.heappush(free, (at + took.mean, number, window))
    return None, 0.0


def _window_times(conn, queue_id: str, day: str, limit: int) -> list[float]:
    """Minutes from the call to the finish (transfer, no-show) of the queue's newest done tickets that day."""
    # ORDER BY id walks back from the end of each status's run of the (business_day, queue_id,
    # status) index. julianday arithmetic carries float noise, hence the rounding.
    return [
        round(row[0], 2) for row in conn.execute(
            "SELECT (julianday(COALESCE(finished_at, updated_at)) - julianday(called_at)) * 1440.0 FROM tickets "
            "WHERE business_day = ? AND queue_id = ? AND status IN ('finished', 'transferred', 'no_show') "
            "AND called_at IS NOT NULL ORDER BY id DESC LIMIT ?",
            (day, queue_id, limit),
        ) if row[0] is not None and row[0] >= 0
    ]


def _connected_queues(settings: Settings) -> dict[str, tuple[str, ...]]:
    """For each queue, the queues whose tickets compete with it for windows (itself included).

    Two queues are connected when a window serves both, and so on through the
    windows: their waiting tickets share the same windows' calls.
    """
    group = {q.id: {q.id} for q in settings.queues}
    for window in settings.windows:
        merged = set().union(*(group.get(q, {q}) for q in window.queues))
        for q in merged:
            group[q] = merged
    return {q: tuple(sorted(members)) for q, members in group.items()}


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

import dataclasses
import datetime as dt
import heapq
import math
import time
from dataclasses import dataclass

from devices.base.clock import from_stamp, to_stamp
from kiosk.config import QueueDef, Settings
from kiosk.queueing.waiting_line import Heads, WaitingLine
from kiosk.queueing.models import WaitEstimate

SERVICE_SAMPLE = 20  # the last this many of today's window times per queue
PRIOR_SAMPLE = 40  # the last this many of the last working day's, as the prior
ESTIMATE_INPUTS_TTL = 5.0  # seconds another process's finish may take to show in estimates
PRIOR_WEIGHT = 10.0  # the configured norm counts as this many services until today's are known
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
HANDOVER_EVENTS = 400  # the hand-over is learnt from the window events among the last this many events
HANDOVER_MAX_MINUTES = 3.0  # a longer gap from an end of service to the next call is no hand-over
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
        self.line = WaitingLine(settings.policy)

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
        # A window's turn is its window time and then the hand-over: the moment the clerk takes to
        # call the next number once the last citizen has gone.
        handover = self.handover(conn, day, now)
        durations = {q: dataclasses.replace(d, mean=d.mean + handover)
                     for q, d in ((q, self.durations(conn, q, day)) for q in queues)}
        heads = self.line.heads(conn, day, queues)
        mean, var = play_forward(windows, heads, durations, queue.id, ahead)
        if mean is None:  # nothing can call it (cannot happen while a window serves the queue)
            return WaitEstimate(None, None, len(serving), "none")
        # Priority citizens still to come who will be called first: at the last hour's rate,
        # those arriving while this citizen waits (under aging, within the head start only),
        # each one more service at one of the windows.
        jumpers = self._priority_rate(conn, queue.id, day, now) * self._overtaken_for(mean, priority)
        delay = jumpers * durations[queue.id].mean / len(serving)
        mean += delay
        var += jumpers * durations[queue.id].sd ** 2 / len(serving) ** 2
        sd = math.sqrt(var) + UNSEEN_SPREAD_PER_MINUTE * mean
        low, high = mean - RANGE_Z * sd, mean + RANGE_Z * sd
        basis = "today" if durations[queue.id].today else "norm"
        estimate = self._shown(low, high, mean, len(serving), basis, now, windows, heads, durations, queue.id,
                               ahead, delay)
        closing = self._last_call(now)
        if closing is not None and estimate.low_minutes is not None and estimate.low_minutes > closing:
            # Even the quick end of the range is after the windows' last call today: say so.
            return dataclasses.replace(estimate, past_closing=True)
        return estimate

    def _shown(self, low, high, mean, open_windows, basis, now, windows, heads, durations, queue_id, ahead,
               delay) -> WaitEstimate:
        """The range as shown: a range of minutes, or clock times after the break, or one side of it."""
        breaks = self._breaks(now)
        if not breaks or high <= breaks[0].stop or mean <= 0:
            return _estimate(low, high, open_windows, basis, now, None, False)
        # The windows stop calling at the break and call again after it, all at once: each end
        # of the range is the call on a day whose services run at that end's pace.

        def call_at(minutes: float) -> float:
            if minutes <= 0:
                return 0.0
            scale = minutes / mean
            return play_forward(windows, heads, durations, queue_id, ahead, scale=scale, delay=delay * scale,
                                breaks=breaks)[0]

        first = breaks[0]
        low, high = call_at(low), call_at(high)
        if low >= first.resume or high < first.resume:
            return _estimate(low, high, open_windows, basis, now, first, low >= first.resume)
        # The call may fall either side of the break. The likelier side is shown; the text names
        # the other. (A range across the break would put its middle where nobody is called.)
        after = call_at(mean) >= first.resume
        if after:
            low = first.resume
        else:
            high = min(high, first.stop)
        return _estimate(low, high, open_windows, basis, now, first, after, straddles=True)

    def _last_call(self, now: dt.datetime) -> float | None:
        """Minutes from `now` to the windows' last call today (None: not a working day)."""
        periods = self.settings.hours.periods_on(now.date())
        if not periods:
            return None
        end = dt.datetime.combine(now.date(), periods[-1].end, tzinfo=now.tzinfo)
        return (end - now).total_seconds() / 60 + self.settings.hours.serve_after_close_minutes

    def _breaks(self, now: dt.datetime) -> list["_Break"]:
        """The hall's breaks still ahead today, in minutes from `now`: the windows call until
        serve_after_close_minutes past a period's end, then from the next period's start."""
        hours = self.settings.hours
        grace = dt.timedelta(minutes=hours.serve_after_close_minutes)
        periods = hours.periods_on(now.date())
        local = lambda t: dt.datetime.combine(now.date(), t, tzinfo=now.tzinfo)  # noqa: E731
        result = []
        for period, following in zip(periods, periods[1:]):
            stop, resume = local(period.end) + grace, local(following.start)
            if resume <= stop or resume <= now:
                continue
            minutes = lambda moment: (moment - now).total_seconds() / 60  # noqa: E731
            result.append(_Break(max(0.0, minutes(stop)), minutes(resume), f"{following.start:%H:%M}"))
        return result

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

    def handover(self, conn, day: str, now: dt.datetime) -> float:
        """Minutes from a window's end of service (finish, transfer, no-show) to its next call, as
        today's windows that went straight on took them; reused like the durations."""
        key = ("handover", day)
        cached = self._cache.get(key)
        clock = time.monotonic()
        if cached is not None and cached[0] > clock:
            return cached[1]
        midnight = to_stamp(dt.datetime.combine(now.date(), dt.time.min, tzinfo=now.tzinfo))
        rows = conn.execute(
            "SELECT window_number, kind, at FROM events WHERE id > COALESCE((SELECT MAX(id) FROM events) - ?, 0) "
            "AND at >= ? AND window_number IS NOT NULL AND kind IN ('call', 'finish', 'transfer', 'no_show') "
            "ORDER BY id", (HANDOVER_EVENTS, midnight)).fetchall()
        ended: dict[int, dt.datetime] = {}
        gaps = []
        for window, kind, at in rows:
            moment = from_stamp(at)
            if kind != "call":
                ended[window] = moment
            elif window in ended:
                gap = (moment - ended.pop(window)).total_seconds() / 60
                if gap <= HANDOVER_MAX_MINUTES:  # longer: the window had nobody to call
                    gaps.append(gap)
        result = sum(gaps) / (len(gaps) + 1) if gaps else 0.0  # one 0 as the prior
        self._cache[key] = (clock + self.inputs_ttl, result)
        return result

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
                    free_in += self.handover(conn, day, now)
                    free_var = sd * sd
            result.append(_Window(number, window.queues, free_in, free_var))
        return result


@dataclass(frozen=True)
class _Break:
    stop: float  # minutes from now when the windows stop calling (0: they do not call now)
    resume: float  # minutes from now when they call again
    resume_at: str  # the clock time they call again, "14:30"


def _estimate(low: float, high: float, open_windows: int, basis: str, now: dt.datetime,
              brk: _Break | None, after_break: bool, straddles: bool = False) -> WaitEstimate:
    """The shown estimate: whole minutes, and the clock times where the call falls after a break."""
    low_minutes = max(0, math.floor(low))
    high_minutes = math.ceil(high)
    if high_minutes > 0:
        high_minutes = max(high_minutes, low_minutes + 1)
    clock = lambda minutes: (now + dt.timedelta(minutes=minutes)).strftime("%H:%M")  # noqa: E731
    if brk is None:
        return WaitEstimate(low_minutes, high_minutes, open_windows, basis)
    return WaitEstimate(low_minutes, high_minutes, open_windows, basis,
                        after_break=brk.resume_at if after_break else "",
                        low_at=max(clock(low_minutes), brk.resume_at) if after_break else clock(low_minutes),
                        high_at=clock(high_minutes),
                        break_stop_at=clock(brk.stop) if straddles else "",
                        break_resume_at=brk.resume_at if straddles else "")


def play_forward(windows: list[_Window], heads: Heads, durations: dict[str, Durations], queue_id: str,
                 ahead: int, scale: float = 1.0, delay: float = 0.0,
                 breaks: list[_Break] = ()) -> tuple[float | None, float]:
    """Minutes until the (ahead+1)-th ticket of `queue_id` in call order is called, and its variance.

    The window free first calls the first ticket, in call order, of the queues it
    serves; it is then busy for that queue's mean window time (times `scale`: a day
    at a faster or slower pace). Tickets of the queue beyond those waiting (a
    hypothetical citizen further back) come last. `delay` holds the windows serving
    the queue for services not yet drawn (priority citizens still to come). A window
    that frees during a break calls when the break ends, as the hall's windows do.

    The variance (without breaks) is that of the services the windows serving the
    queue perform before the call (and of their current rests), shared among those
    windows: the renewal-process spread of the k-th departure from m windows, k·σ²/m².
    """
    serving = [w for w in windows if queue_id in w.queues]
    m = len(serving)
    if m == 0:
        return None, 0.0
    lists = heads.by_queue
    cursor = {q: 0 for q in lists}
    cursor.setdefault(queue_id, 0)
    # (when it ends, its variance) of each service at the windows serving the queue: those
    # ended by the call are what the citizen waited through.
    ends = [(w.free_in * scale, w.free_var) for w in serving if w.free_in > 0]
    free = [(w.free_in * scale + (delay if queue_id in w.queues else 0.0), w.number, w) for w in windows]
    heapq.heapify(free)
    while free:
        at, number, window = heapq.heappop(free)
        for brk in breaks:
            if brk.stop <= at < brk.resume:
                at = brk.resume
        # The first ticket, in call order, among the heads of the queues this window serves;
        # the target queue's tickets beyond those waiting come after every waiting ticket.
        best = None
        for q in window.queues:
            index = cursor.get(q)
            if index is None:
                continue
            items = lists.get(q, ())
            if index < len(items):
                candidate = (False, items[index][0], q)
            elif q == queue_id:
                candidate = (True, index, q)
            else:
                continue
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        if best is None:
            continue  # nothing left this window can call: it drops out
        q = best[2]
        if q == queue_id and cursor[q] == ahead:
            return at, sum(v for end, v in ends if end <= at + 1e-9) / (m * m)
        cursor[q] += 1
        took = durations[q] if q in durations else Durations.norm(10.0)
        if queue_id in window.queues:
            ends.append((at + took.mean * scale, took.sd ** 2))
        heapq.heappush(free, (at + took.mean * scale, number, window))
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


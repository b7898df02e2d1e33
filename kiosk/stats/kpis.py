"""Every KPI of a period, from the database as it stands (read connection, one snapshot).

Definitions (all times in minutes, on the hall's business days):

- issued: numbers drawn (a transfer copy is not a new number); served: tickets
  finished; no-show: tickets ending as 过号; transferred: tickets sent on to another
  queue (counted in the queue they left).
- wait: issued → called (for a transfer copy: from the transfer to its call), for
  every ticket that was called; walk: called → started, for tickets whose window
  pressed 开始 (a finish without a start has no walk); service: started → finished
  for finished tickets (a finish without a start counts from the call).
- summaries: mean, median and p90 by linear interpolation (measures.percentile).
- maximum queue length: the most tickets waiting at once in a queue (and in the
  hall), replayed from the append-only event log: issue +1, call −1, a transfer
  +1 in its target queue, a reactivated no-show +1.
- per window: the window that called the ticket last; per staff member: the actor
  (``staff:<name>``) of the ticket's last counter action (its finish, no-show or
  transfer); per matter: drop-offs and their ratings (a ticket has no matter).
- drop-offs: received (submitted), accepted, 补正 requested and rejected in the
  period; on time: of the accepted cases due in the period, those made ready (or
  collected) on or before ``due_on``; a case due earlier than today and still not
  ready is late, one not yet due is left out.
- ratings: the distribution of the five levels, the satisfaction rate
  (非常满意 + 满意 + 基本满意 among all ratings), every 差评 with its reasons and
  follow-up state.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from devices.base.clock import HALL_TZ, Clock, business_day, from_stamp, to_stamp
from kiosk import satisfaction
from kiosk.stats.measures import Summary, share, summarise
from kiosk.stats.period import Period

COUNTER_KINDS = ("call", "recall", "start", "finish", "no_show", "transfer", "suspend", "resume")
LAST_ACTION_KINDS = ("finish", "no_show", "transfer")
WAIT_BINS = (0, 5, 10, 15, 20, 30, 45, 60)  # minutes; the last bin is 60 and longer


@dataclass(frozen=True)
class TicketFacts:
    """One ticket row with what the KPIs need, read once."""

    id: int
    queue_id: str
    day: str
    status: str
    drawn: bool
    window: int | None
    staff: str
    wait_start: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    explicit_start: bool
    finished_at: dt.datetime | None

    @property
    def wait(self) -> float | None:
        return _minutes(self.wait_start, self.called_at)

    @property
    def walk(self) -> float | None:
        return _minutes(self.called_at, self.started_at) if self.explicit_start else None

    @property
    def service(self) -> float | None:
        return _minutes(self.started_at, self.finished_at) if self.status == "finished" else None


@dataclass(frozen=True)
class TicketKpis:
    issued: int
    served: int
    no_show: int
    transferred: int
    wait: Summary
    walk: Summary
    service: Summary
    long_waits: int  # called after waiting longer than the long-wait threshold

    def as_dict(self) -> dict:
        return {"issued": self.issued, "served": self.served, "no_show": self.no_show,
                "transferred": self.transferred, "long_waits": self.long_waits,
                "wait": self.wait.as_dict(), "walk": self.walk.as_dict(), "service": self.service.as_dict()}


@dataclass(frozen=True)
class DropoffKpis:
    received: int
    accepted: int
    corrections: int
    rejected: int
    due: int
    on_time: int
    late: int

    @property
    def on_time_rate(self) -> float | None:
        return share(self.on_time, self.on_time + self.late)

    def as_dict(self) -> dict:
        return dict(self.__dict__) | {"on_time_rate": self.on_time_rate}


@dataclass(frozen=True)
class BadRating:
    rating_id: int
    business_day: str
    level: int
    reasons: tuple[str, ...]
    comment: str
    queue_id: str | None
    window: int | None
    staff: str
    matter_id: str | None
    followup: str
    handled_by: str | None
    handled_note: str

    def as_dict(self) -> dict:
        return dict(self.__dict__) | {"reasons": list(self.reasons),
                                      "reasons_zh": satisfaction.reason_names(self.reasons),
                                      "level_zh": satisfaction.level_name(self.level),
                                      "followup_zh": satisfaction.FOLLOWUP_ZH.get(self.followup, "")}


@dataclass(frozen=True)
class RatingKpis:
    distribution: dict[int, int]  # level -> count, every level present

    @property
    def total(self) -> int:
        return sum(self.distribution.values())

    @property
    def satisfied(self) -> int:
        return sum(self.distribution[level] for level in satisfaction.SATISFIED_LEVELS)

    @property
    def bad(self) -> int:
        return sum(self.distribution[level] for level in satisfaction.BAD_LEVELS)

    @property
    def satisfaction_rate(self) -> float | None:
        return share(self.satisfied, self.total)

    def as_dict(self) -> dict:
        return {"distribution": {satisfaction.level_name(k): v for k, v in self.distribution.items()},
                "total": self.total, "satisfied": self.satisfied, "bad": self.bad,
                "satisfaction_rate": self.satisfaction_rate}


@dataclass(frozen=True)
class HallFigures:
    """Everything a report shows for one hall and one period."""

    hall_name: str
    township: str
    county: str
    period: Period
    computed_at: dt.datetime
    long_wait_minutes: float
    tickets: TicketKpis
    by_day: dict[str, TicketKpis]
    by_queue: dict[str, TicketKpis]
    by_window: dict[int, TicketKpis]
    by_staff: dict[str, TicketKpis]
    max_queue_length: int
    max_queue_length_by_queue: dict[str, int]
    max_queue_length_by_day: dict[str, int]
    queue_length_by_hour: dict[int, float]  # hour -> mean over the days with tickets of that hour's maximum
    wait_histogram: dict[str, int]
    dropoffs: DropoffKpis
    dropoffs_by_matter: dict[str, DropoffKpis]
    ratings: RatingKpis
    ratings_by_queue: dict[str, RatingKpis]
    ratings_by_window: dict[int, RatingKpis]
    ratings_by_staff: dict[str, RatingKpis]
    ratings_by_matter: dict[str, RatingKpis]
    bad_ratings: list[BadRating]
    queue_names: dict[str, str] = field(default_factory=dict)
    matter_names: dict[str, str] = field(default_factory=dict)

    @property
    def open_followups(self) -> int:
        return sum(1 for bad in self.bad_ratings if bad.followup == "open")

    def as_dict(self) -> dict:
        def each(groups: dict) -> dict:
            return {str(k): v.as_dict() for k, v in groups.items()}

        return {
            "hall": {"name": self.hall_name, "township": self.township, "county": self.county},
            "period": {"kind": self.period.kind, "label": self.period.label, "first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat(), "label_zh": self.period.label_zh},
            "computed_at": self.computed_at.isoformat(),
            "long_wait_minutes": self.long_wait_minutes,
            "tickets": self.tickets.as_dict(),
            "by_day": each(self.by_day), "by_queue": each(self.by_queue), "by_window": each(self.by_window),
            "by_staff": each(self.by_staff),
            "max_queue_length": self.max_queue_length,
            "max_queue_length_by_queue": dict(self.max_queue_length_by_queue),
            "max_queue_length_by_day": dict(self.max_queue_length_by_day),
            "queue_length_by_hour": {str(h): v for h, v in self.queue_length_by_hour.items()},
            "wait_histogram": dict(self.wait_histogram),
            "dropoffs": self.dropoffs.as_dict(), "dropoffs_by_matter": each(self.dropoffs_by_matter),
            "ratings": self.ratings.as_dict(), "ratings_by_queue": each(self.ratings_by_queue),
            "ratings_by_window": each(self.ratings_by_window), "ratings_by_staff": each(self.ratings_by_staff),
            "ratings_by_matter": each(self.ratings_by_matter),
            "bad_ratings": [b.as_dict() for b in self.bad_ratings],
            "open_followups": self.open_followups,
            "queue_names": dict(self.queue_names), "matter_names": dict(self.matter_names),
        }


# -- the whole period ------------------------------------------------------------------------------
def hall_figures(store, settings, period: Period, clock: Clock, long_wait_minutes: float | None = None) -> HallFigures:
    """All KPIs of `period` for the hall of `settings`, as the database stands at `clock.now()`."""
    now = clock.now()
    long_wait = float(long_wait_minutes if long_wait_minutes is not None else settings.stats.long_wait_minutes)
    first, last = period.first.isoformat(), period.last.isoformat()
    with store.read() as conn:
        facts = load_tickets(conn, first, last)
        lengths = {day.isoformat(): queue_lengths(conn, day) for day in period.days()}
        dropoff_rows, audit_rows = _dropoff_rows(conn, period)
        rating_rows = conn.execute("SELECT * FROM ratings WHERE business_day BETWEEN ? AND ? ORDER BY id",
                                   (first, last)).fetchall()
    by_hour: dict[int, list[int]] = defaultdict(list)
    max_by_queue: Counter = Counter()
    max_by_day: dict[str, int] = {}
    for day, (series, hall_max, queue_max, hourly) in lengths.items():
        if not series:
            continue
        max_by_day[day] = hall_max
        for queue_id, value in queue_max.items():
            max_by_queue[queue_id] = max(max_by_queue[queue_id], value)
        for hour, value in hourly.items():
            by_hour[hour].append(value)
    return HallFigures(
        hall_name=settings.hall.name, township=settings.hall.township, county=settings.hall.county,
        period=period, computed_at=now, long_wait_minutes=long_wait,
        tickets=ticket_kpis(facts, long_wait),
        by_day=grouped(facts, lambda f: f.day, long_wait),
        by_queue=grouped(facts, lambda f: f.queue_id, long_wait),
        by_window=grouped([f for f in facts if f.window is not None], lambda f: f.window, long_wait),
        by_staff=grouped([f for f in facts if f.staff], lambda f: f.staff, long_wait),
        max_queue_length=max(max_by_day.values(), default=0),
        max_queue_length_by_queue=dict(sorted(max_by_queue.items())),
        max_queue_length_by_day=max_by_day,
        queue_length_by_hour={hour: sum(v) / len(v) for hour, v in sorted(by_hour.items())},
        wait_histogram=wait_histogram(f.wait for f in facts),
        dropoffs=dropoff_kpis(dropoff_rows, audit_rows, period, now),
        dropoffs_by_matter={matter: dropoff_kpis([r for r in dropoff_rows if r["matter_id"] == matter],
                                                 [a for a in audit_rows if a["matter_id"] == matter], period, now)
                            for matter in sorted({r["matter_id"] for r in dropoff_rows})},
        ratings=rating_kpis(rating_rows),
        ratings_by_queue=_rating_groups(rating_rows, "queue_id"),
        ratings_by_window=_rating_groups(rating_rows, "window_number"),
        ratings_by_staff=_rating_groups(rating_rows, "staff"),
        ratings_by_matter=_rating_groups(rating_rows, "matter_id"),
        bad_ratings=[_bad(row) for row in rating_rows if satisfaction.is_bad(row["level"])],
        queue_names={q.id: q.name for q in settings.queues},
        matter_names={r["matter_id"]: r["matter_name"] for r in dropoff_rows},
    )


# -- tickets -----------------------------------------------------------------------------------------
def load_tickets(conn, first_day: str, last_day: str) -> list[TicketFacts]:
    rows = conn.execute("SELECT * FROM tickets WHERE business_day BETWEEN ? AND ? ORDER BY id",
                        (first_day, last_day)).fetchall()
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    events: dict[int, list] = defaultdict(list)
    # One pass over the period's counter events (ticket ids are increasing with time).
    kinds = ",".join("?" * len(COUNTER_KINDS))
    for event in conn.execute(f"SELECT ticket_id, kind, actor, window_number FROM events WHERE ticket_id BETWEEN ? "
                              f"AND ? AND kind IN ({kinds}) ORDER BY id", (min(ids), max(ids), *COUNTER_KINDS)):
        events[event["ticket_id"]].append(event)
    transferred_at = {row["transferred_to_id"]: row["finished_at"] for row in rows if row["transferred_to_id"]}
    facts = []
    for row in rows:
        mine = events.get(row["id"], [])
        last_action = next((e for e in reversed(mine) if e["kind"] in LAST_ACTION_KINDS), None)
        actor = (last_action or next((e for e in reversed(mine) if e["kind"] == "call"), None) or {"actor": ""})
        staff = actor["actor"] or ""
        staff = staff.split(":", 1)[1] if staff.startswith("staff:") else staff
        wait_start = row["issued_at"]
        if row["origin_ticket_id"] is not None:
            wait_start = transferred_at.get(row["id"]) or _origin_finished(conn, row["origin_ticket_id"]) or wait_start
        facts.append(TicketFacts(
            id=row["id"], queue_id=row["queue_id"], day=row["business_day"], status=row["status"],
            drawn=row["origin_ticket_id"] is None, window=row["window_number"], staff=staff,
            wait_start=from_stamp(wait_start), called_at=_when(row["called_at"]), started_at=_when(row["started_at"]),
            explicit_start=any(e["kind"] == "start" for e in mine), finished_at=_when(row["finished_at"])))
    return facts


def ticket_kpis(facts: Iterable[TicketFacts], long_wait_minutes: float = 30.0) -> TicketKpis:
    facts = list(facts)
    waits = [f.wait for f in facts if f.wait is not None]
    return TicketKpis(
        issued=sum(1 for f in facts if f.drawn),
        served=sum(1 for f in facts if f.status == "finished"),
        no_show=sum(1 for f in facts if f.status == "no_show"),
        transferred=sum(1 for f in facts if f.status == "transferred"),
        wait=summarise(waits),
        walk=summarise(f.walk for f in facts if f.walk is not None),
        service=summarise(f.service for f in facts if f.service is not None),
        long_waits=sum(1 for w in waits if w > long_wait_minutes),
    )


def grouped(facts: Iterable[TicketFacts], key, long_wait_minutes: float = 30.0) -> dict:
    groups: dict = defaultdict(list)
    for fact in facts:
        groups[key(fact)].append(fact)
    return {k: ticket_kpis(v, long_wait_minutes) for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))}


def wait_histogram(waits: Iterable[float | None]) -> dict[str, int]:
    labels = [f"{lo}-{hi}" for lo, hi in zip(WAIT_BINS, WAIT_BINS[1:])] + [f"{WAIT_BINS[-1]}+"]
    counts = dict.fromkeys(labels, 0)
    for wait in waits:
        if wait is None:
            continue
        index = sum(1 for edge in WAIT_BINS[1:] if wait >= edge)
        counts[labels[index]] += 1
    return counts


def queue_lengths(conn, day: dt.date):
    """Replay the day's event log: ([(time, queue, length)], hall max, per-queue max, per-hour hall max)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=HALL_TZ)
    rows = conn.execute(
        "SELECT at, kind, queue_id, data FROM events WHERE at >= ? AND at < ? "
        "AND kind IN ('issue', 'call', 'transfer', 'reactivate') ORDER BY id",
        (to_stamp(start), to_stamp(start + dt.timedelta(days=1)))).fetchall()
    waiting: Counter = Counter()
    series, queue_max, hourly = [], Counter(), {}
    hall_max = 0
    for row in rows:
        if row["kind"] in ("issue", "reactivate"):
            changed = [(row["queue_id"], +1)]
        elif row["kind"] == "call":
            changed = [(row["queue_id"], -1)]
        else:
            changed = [(json.loads(row["data"] or "{}").get("to_queue"), +1)]
        when = from_stamp(row["at"])
        for queue_id, delta in changed:
            if queue_id is None:
                continue
            waiting[queue_id] = max(0, waiting[queue_id] + delta)
            queue_max[queue_id] = max(queue_max[queue_id], waiting[queue_id])
            series.append((when, queue_id, waiting[queue_id]))
        total = sum(waiting.values())
        hall_max = max(hall_max, total)
        hourly[when.hour] = max(hourly.get(when.hour, 0), total)
    return series, hall_max, dict(queue_max), hourly


# -- drop-offs ----------------------------------------------------------------------------------------
def _dropoff_rows(conn, period: Period):
    first, after = period.first.isoformat(), (period.last + dt.timedelta(days=1)).isoformat()
    # Stamps are local ISO text (+08:00): a date prefix compares as text.
    rows = conn.execute(
        "SELECT * FROM dropoffs WHERE (submitted_at >= ? AND submitted_at < ?) OR (accepted_at >= ? AND accepted_at < ?)"
        " OR (due_on BETWEEN ? AND ?) OR id IN (SELECT dropoff_id FROM dropoff_audit WHERE at >= ? AND at < ? "
        "AND action IN ('correction', 'rejected'))",
        (first, after, first, after, first, period.last.isoformat(), first, after)).fetchall()
    ids = [row["id"] for row in rows] or [0]
    marks = ",".join("?" * len(ids))
    audit = conn.execute(
        f"SELECT a.dropoff_id, a.at, a.action, d.matter_id FROM dropoff_audit a JOIN dropoffs d ON d.id = a.dropoff_id "
        f"WHERE a.dropoff_id IN ({marks}) AND a.action IN ('correction', 'rejected', 'ready', 'collected') "
        f"ORDER BY a.id", ids).fetchall()
    return rows, audit


def dropoff_kpis(rows, audit, period: Period, now: dt.datetime) -> DropoffKpis:
    today = business_day(now)

    def in_period(stamp: str | None) -> bool:
        return bool(stamp) and period.first <= _local_date(stamp) <= period.last

    ready_on: dict[int, dt.date] = {}
    for entry in audit:
        if entry["action"] in ("ready", "collected") and entry["dropoff_id"] not in ready_on:
            ready_on[entry["dropoff_id"]] = _local_date(entry["at"])
    on_time = late = due = 0
    for row in rows:
        if not row["due_on"] or row["status"] == "rejected":
            continue
        due_on = dt.date.fromisoformat(row["due_on"])
        if not (period.first <= due_on <= period.last):
            continue
        due += 1
        done = ready_on.get(row["id"])
        if done is not None:
            on_time, late = (on_time + 1, late) if done <= due_on else (on_time, late + 1)
        elif due_on < today:
            late += 1
    return DropoffKpis(
        received=sum(1 for row in rows if in_period(row["submitted_at"])),
        accepted=sum(1 for row in rows if in_period(row["accepted_at"])),
        corrections=sum(1 for a in audit if a["action"] == "correction" and in_period(a["at"])),
        rejected=sum(1 for a in audit if a["action"] == "rejected" and in_period(a["at"])),
        due=due, on_time=on_time, late=late)


# -- ratings --------------------------------------------------------------------------------------------
def rating_kpis(rows) -> RatingKpis:
    counts = Counter(row["level"] for row in rows)
    return RatingKpis({level: counts.get(level, 0) for level in satisfaction.LEVELS})


def _rating_groups(rows, column: str) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        if row[column] not in (None, ""):
            groups[row[column]].append(row)
    return {k: rating_kpis(v) for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))}


def _bad(row) -> BadRating:
    return BadRating(row["id"], row["business_day"], row["level"], tuple(json.loads(row["reasons"] or "[]")),
                     row["comment"], row["queue_id"], row["window_number"], row["staff"], row["matter_id"],
                     row["followup"], row["handled_by"], row["handled_note"])


# -- helpers ----------------------------------------------------------------------------------------------
def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60.0


def _when(stamp: str | None) -> dt.datetime | None:
    return from_stamp(stamp) if stamp else None


def _local_date(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp).astimezone(HALL_TZ).date()


def _origin_finished(conn, origin_id: int) -> str | None:
    row = conn.execute("SELECT finished_at FROM tickets WHERE id = ?", (origin_id,)).fetchone()
    return row["finished_at"] if row else None

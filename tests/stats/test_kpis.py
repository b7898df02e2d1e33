"""Every KPI against values computed by hand on a small fixed day, built through the real queue engine.

The Friday (2026-11-27), default hall (window 1: A; window 2: A, C; window 3: B, C), times hh:mm:

  t1 A001 issued 08:30, called 08:40 at 1 by zhao, started 08:41, finished 08:51   wait 10 walk 1 service 10
  t2 A002 issued 08:32, called 08:45 at 2 by wang, no-show 08:50                   wait 13
  t3 B001 issued 08:34, called 08:43 at 3 by li, finished 08:47 (no 开始)           wait 9  service 4
  t4 C001 issued 08:35, called 08:52 at 2 by wang, started 08:53, transferred to A 08:55   wait 17 walk 1
  t5 C001 (copy in A) waits from 08:55, called 08:56 at 1 by zhao, started 08:58, finished 09:10
                                                                                    wait 1  walk 2 service 12
  t6 A003 issued 09:00, called 09:02 at 2 by wang, started 09:03, finished 09:09   wait 2  walk 1 service 6
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from devices.base.clock import ManualClock
from kiosk.stats.kpis import hall_figures
from kiosk.stats.measures import percentile, summarise
from kiosk.stats.period import PeriodError, parse_period
from kiosk.stats.thresholds import breaches, raise_alerts
from stats_day import at


def build_day(hall, clock) -> dict:
    engine, t = hall.engine, {}

    def step(hh, mm, action, *args, actor=None):
        clock.set(at(hh, mm))
        method = getattr(engine, action)
        return method(*args, actor=actor) if actor else method(*args)

    for key, hh, mm, queue in (("t1", 8, 30, "A"), ("t2", 8, 32, "A"), ("t3", 8, 34, "B"), ("t4", 8, 35, "C")):
        clock.set(at(hh, mm))
        t[key] = hall.tickets.take_number(queue).ticket.id
    step(8, 40, "call_next", 1, actor="staff:zhao")
    step(8, 41, "start", 1, actor="staff:zhao")
    step(8, 43, "call_next", 3, actor="staff:li")
    step(8, 45, "call_next", 2, actor="staff:wang")
    step(8, 47, "finish", 3, actor="staff:li")
    step(8, 50, "no_show", 2, actor="staff:wang")
    step(8, 51, "finish", 1, actor="staff:zhao")
    step(8, 52, "call_next", 2, actor="staff:wang")
    step(8, 53, "start", 2, actor="staff:wang")
    t["t5"] = step(8, 55, "transfer", 2, "A", actor="staff:wang").ticket.id
    step(8, 56, "call_next", 1, actor="staff:zhao")
    step(8, 58, "start", 1, actor="staff:zhao")
    clock.set(at(9, 0))
    t["t6"] = hall.tickets.take_number("A").ticket.id
    step(9, 2, "call_next", 2, actor="staff:wang")
    step(9, 3, "start", 2, actor="staff:wang")
    step(9, 9, "finish", 2, actor="staff:wang")
    step(9, 10, "finish", 1, actor="staff:zhao")
    clock.set(at(12, 0))
    hall.ratings.rate_ticket(t["t1"], 5)
    hall.ratings.rate_ticket(t["t3"], 4)
    hall.ratings.rate_ticket(t["t5"], 2, reasons=["wait_long"])
    hall.ratings.rate_ticket(t["t6"], 3)
    return t


def figures_of(hall, clock, period="2026-11-27", **kwargs):
    return hall_figures(hall.store, hall.settings, parse_period(period), clock, **kwargs)


def test_counts_and_times_of_the_whole_day(hall, clock):
    build_day(hall, clock)
    f = figures_of(hall, clock)
    k = f.tickets
    assert (k.issued, k.served, k.no_show, k.transferred) == (5, 4, 1, 1)
    # waits 1 2 9 10 13 17: mean 52/6, median (9+10)/2, p90 at rank 4.5 = 13 + 0.5 × 4
    assert k.wait.count == 6 and k.wait.mean == pytest.approx(52 / 6)
    assert (k.wait.median, k.wait.p90, k.wait.max) == pytest.approx((9.5, 15.0, 17.0))
    # walks 1 1 1 2 (B001 had no 开始): p90 at rank 2.7 = 1 + 0.7
    assert (k.walk.count, k.walk.mean, k.walk.median, k.walk.p90) == pytest.approx((4, 1.25, 1.0, 1.7))
    # services 4 6 10 12: p90 at rank 2.7 = 10 + 0.7 × 2
    assert (k.service.count, k.service.mean, k.service.median, k.service.p90) == pytest.approx((4, 8.0, 8.0, 11.4))
    assert k.long_waits == 0
    assert f.wait_histogram == {"0-5": 2, "5-10": 1, "10-15": 2, "15-20": 1, "20-30": 0, "30-45": 0,
                                "45-60": 0, "60+": 0}
    assert list(f.by_day) == ["2026-11-27"] and f.by_day["2026-11-27"] == k


def test_per_queue_window_and_staff_member(hall, clock):
    build_day(hall, clock)
    f = figures_of(hall, clock)
    a, b, c = f.by_queue["A"], f.by_queue["B"], f.by_queue["C"]
    # The copy of C001 is served in A but is no new number there.
    assert (a.issued, a.served, a.no_show, a.transferred) == (3, 3, 1, 0)
    assert (a.wait.mean, a.wait.median) == pytest.approx((26 / 4, 6.0))
    assert (b.issued, b.served, b.wait.mean) == (1, 1, 9.0)
    assert (c.issued, c.served, c.transferred, c.wait.mean, c.walk.mean) == (1, 0, 1, 17.0, 1.0)
    w1, w2, w3 = f.by_window[1], f.by_window[2], f.by_window[3]
    assert (w1.served, w1.wait.mean, w1.service.mean) == pytest.approx((2, 5.5, 11.0))
    assert (w2.served, w2.no_show, w2.transferred, w2.wait.mean) == pytest.approx((1, 1, 1, 32 / 3))
    assert (w3.served, w3.walk.count, w3.service.mean) == (1, 0, 4.0)
    assert sorted(f.by_staff) == ["li", "wang", "zhao"]
    assert (f.by_staff["wang"].served, f.by_staff["wang"].no_show, f.by_staff["wang"].transferred) == (1, 1, 1)
    assert (f.by_staff["zhao"].served, f.by_staff["zhao"].service.mean) == (2, 11.0)


def test_queue_length_replayed_from_the_event_log(hall, clock):
    build_day(hall, clock)
    f = figures_of(hall, clock)
    # 08:35 four waiting (A001 A002 B001 C001); the transfer puts C001 back in A at 08:55.
    assert f.max_queue_length == 4
    assert f.max_queue_length_by_queue == {"A": 2, "B": 1, "C": 1}
    assert f.queue_length_by_hour == {8: 4.0, 9: 1.0}
    assert f.max_queue_length_by_day == {"2026-11-27": 4}


def test_ratings_distribution_satisfaction_and_bad_ones(hall, clock):
    build_day(hall, clock)
    f = figures_of(hall, clock)
    assert f.ratings.distribution == {5: 1, 4: 1, 3: 1, 2: 1, 1: 0}
    assert f.ratings.satisfaction_rate == pytest.approx(0.75)
    assert f.ratings_by_window[1].distribution == {5: 1, 4: 0, 3: 0, 2: 1, 1: 0}
    assert f.ratings_by_window[1].satisfaction_rate == 0.5
    assert f.ratings_by_staff["wang"].distribution[3] == 1 and f.ratings_by_queue["B"].total == 1
    [bad] = f.bad_ratings
    assert (bad.level, bad.reasons, bad.window, bad.staff, bad.followup) == (2, ("wait_long",), 1, "zhao", "open")
    assert f.open_followups == 1


def test_thresholds_raise_staff_alerts(hall, clock):
    build_day(hall, clock)
    f = figures_of(hall, clock, long_wait_minutes=12)
    assert f.tickets.long_waits == 2  # 13 and 17 minutes
    limits = hall.settings.stats
    assert [b.code for b in breaches(figures_of(hall, clock), limits)] == ["open_followups"]
    strict = type(limits)(long_wait_minutes=12, max_queue_length=3, min_satisfaction_percent=90,
                          min_ratings_for_rate=4, min_dropoff_on_time_percent=95)
    found = raise_alerts(f, strict, hall.alerts)
    assert [b.code for b in found] == ["long_wait", "long_queue", "low_satisfaction", "open_followups"]
    assert "15分钟" in found[0].message_zh and "满意率75.0%" in found[2].message_zh
    assert {(a.source, a.code) for a in hall.alerts.open_alerts()} >= {("stats", "long_wait"), ("stats", "long_queue")}


def test_week_and_month_take_the_same_day(hall, clock):
    build_day(hall, clock)
    week, month = figures_of(hall, clock, "2026-W48"), figures_of(hall, clock, "2026-11")
    assert week.period.first == dt.date(2026, 11, 23) and week.period.last == dt.date(2026, 11, 29)
    assert week.tickets == month.tickets == figures_of(hall, clock).tickets
    assert figures_of(hall, clock, "2026-12").tickets.issued == 0
    with pytest.raises(PeriodError):
        parse_period("november")


def test_percentile_and_summary_edges():
    assert percentile([5.0], 0.9) == 5.0
    assert summarise([]).mean is None
    assert summarise([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).p90 == pytest.approx(9.1)


@pytest.fixture
def dropoff_hall(settings, data_dir):
    """The hall's own matters folder, with a promised time limit of 3 working days on two matters."""
    from kiosk.config import default_config_dir
    from kiosk.root.hall import open_hall

    folder = data_dir / "matters"
    shutil.copytree(default_config_dir() / "matters", folder)
    for name in ("jiuye-chuangye-zheng", "yanglao-canbao"):
        path = folder / f"{name}.toml"
        path.write_text(path.read_text(encoding="utf-8") + "\n[time_limit]\npromised_working_days = 3\n",
                        encoding="utf-8")
    clock = ManualClock(at(19, 0, day=dt.date(2026, 10, 30)))
    hall = open_hall(settings, clock)
    yield hall, clock
    hall.close()


def test_dropoffs_received_accepted_corrections_rejections_and_on_time(dropoff_hall):
    from dropoff_drafts import fill_draft, page_jpegs

    hall, clock = dropoff_hall
    service = hall.dropoff

    def on(month, day, hh, mm=0):
        clock.set(at(hh, mm, day=dt.date(2026, month, day)))

    def submit(matter="jiuye-chuangye-zheng"):
        return service.submit(fill_draft(service, page_jpegs(), matter=matter)).code

    on(10, 30, 19); d6 = submit()                           # received in October
    on(11, 2, 9); due6 = service.accept(d6, "staff:zhao").due_on
    on(11, 4, 9); service.mark_ready(d6, "staff:zhao")      # ready before due: on time
    on(11, 13, 19); d1 = submit()
    on(11, 13, 19, 30); d2 = submit()
    on(11, 14, 10); d3 = submit("yanglao-canbao")
    on(11, 16, 9); due1 = service.accept(d1, "staff:zhao").due_on
    on(11, 16, 10); service.request_correction(d2, ["unclear"], "", "staff:zhao")
    on(11, 16, 11); service.reject(d3, "不属于本中心受理范围", "staff:zhao")
    on(11, 17, 9); due2 = service.accept(d2, "staff:zhao").due_on
    on(11, 18, 9); service.mark_ready(d1, "staff:zhao")     # on time
    on(11, 19, 9); service.mark_collected(d1, "staff:li")
    on(11, 19, 16); hall.ratings.rate_dropoff(d1, 5)
    on(11, 20, 19); d5 = submit("yanglao-canbao")
    on(11, 23, 9); service.mark_ready(d2, "staff:zhao")     # after its due date: late
    on(11, 23, 9, 30); due5 = service.accept(d5, "staff:zhao").due_on   # never made ready: late by December
    on(11, 25, 19); d4 = submit()
    on(11, 26, 9); due4 = service.accept(d4, "staff:zhao").due_on       # due in December: not counted
    # Three working days after acceptance (the hall calendar has no holiday in late November).
    assert [str(d) for d in (due6, due1, due2, due5, due4)] == \
        ["2026-11-05", "2026-11-19", "2026-11-20", "2026-11-26", "2026-12-01"]
    on(12, 1, 10)
    f = figures_of(hall, clock, "2026-11")
    d = f.dropoffs
    assert (d.received, d.accepted, d.corrections, d.rejected) == (5, 5, 1, 1)
    assert (d.due, d.on_time, d.late, d.on_time_rate) == (4, 2, 2, 0.5)
    assert f.dropoffs_by_matter["yanglao-canbao"].received == 2
    assert f.dropoffs_by_matter["yanglao-canbao"].late == 1 and f.dropoffs_by_matter["yanglao-canbao"].rejected == 1
    assert f.ratings_by_matter["jiuye-chuangye-zheng"].distribution[5] == 1
    october = figures_of(hall, clock, "2026-10").dropoffs
    assert (october.received, october.accepted, october.due) == (1, 0, 0)
    # While the November cases were not yet due, a case not ready is not late yet.
    assert hall_figures(hall.store, hall.settings, parse_period("2026-11"),
                        ManualClock(at(12, 0, day=dt.date(2026, 11, 24)))).dropoffs.late == 1  # d2 only

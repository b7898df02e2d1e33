"""The wait a citizen is told: on the screen at issue, on the printed ticket, on the phone page.

Figures are checked as a citizen would notice them (which side of lunch, twice as
long with one window, the same words everywhere); how close the estimate comes
on whole simulated days is bench/estimate_bench.py's job.
"""

from __future__ import annotations

import datetime as dt

import pytest

from devices.base.clock import HALL_TZ, ManualClock
from devices.printer.layouts import queue_ticket
from kiosk import texts_zh
from kiosk.config import load_settings
from kiosk.queueing.engine import QueueEngine
from kiosk.root.hall import open_hall
from kiosk.store import Store

MORNING = dt.datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)  # a Friday
BEFORE_LUNCH = dt.datetime(2026, 11, 27, 11, 40, tzinfo=HALL_TZ)  # windows call until 12:30, again from 14:30


def middle(estimate) -> float:
    return (estimate.low_minutes + estimate.high_minutes) / 2


def wait_behind(engine: QueueEngine, ahead: int, queue: str = "A", priority: str = "normal"):
    for _ in range(ahead):
        engine.issue(queue)
    return engine.issue(queue, priority)


def test_before_anyone_is_served_the_range_holds_the_norm_based_wait(engine):
    # GIVEN windows 1 and 2 open for 综合受理 (12 minutes a citizen) and four people ahead
    issued = wait_behind(engine, 4)
    # THEN two rounds of the two windows, about 24 minutes, lie inside what is shown
    assert issued.people_ahead == 4
    assert issued.estimate.low_minutes < 24 < issued.estimate.high_minutes
    assert issued.estimate.basis == "norm"
    assert issued.estimate.text_zh == f"大约需要等{issued.estimate.low_minutes}到{issued.estimate.high_minutes}分钟"


def test_two_open_windows_roughly_halve_the_wait_of_one(make_engine):
    two = make_engine("two.db")
    one = make_engine("one.db")
    one.pause_window(2)
    with_two, with_one = wait_behind(two, 6).estimate, wait_behind(one, 6).estimate
    assert (with_two.open_windows, with_one.open_windows) == (2, 1)
    assert 0.4 < middle(with_two) / middle(with_one) < 0.6


def test_slow_services_today_lengthen_what_the_next_citizens_are_told(make_engine, clock):
    fresh = make_engine("fresh.db")
    slow = make_engine("slow.db")
    clock.set(dt.datetime(2026, 11, 27, 8, 30, tzinfo=HALL_TZ))
    for _ in range(7):  # seven services of 25 minutes at window 1: twice the 12-minute norm
        slow.issue("A")
        slow.call_next(1)
        slow.start(1)
        clock.advance(minutes=25)
        slow.finish(1)
    told_fresh, told_slow = wait_behind(fresh, 3).estimate, wait_behind(slow, 3).estimate
    assert told_slow.basis == "today"
    assert middle(told_slow) > 1.25 * middle(told_fresh)


def test_nobody_ahead_but_every_window_busy_is_a_wait_not_now(engine, clock):
    engine.issue("A")
    engine.issue("A")
    for window in (1, 2):
        engine.call_next(window)
        engine.start(window)
    clock.advance(minutes=4)
    issued = engine.issue("A")
    assert issued.people_ahead == 0
    assert issued.estimate.text_zh != texts_zh.WAIT_NOW
    assert 0 < issued.estimate.low_minutes < 8 < issued.estimate.high_minutes  # 12-minute norm, 4 run


def test_no_open_window_gives_no_invented_estimate(engine):
    for window in (1, 2):
        engine.pause_window(window)
    issued = wait_behind(engine, 2)
    assert (issued.estimate.low_minutes, issued.estimate.high_minutes, issued.estimate.open_windows) == (None, None, 0)
    assert issued.estimate.text_zh == texts_zh.WAIT_UNKNOWN


def test_a_ticket_that_cannot_be_reached_before_lunch_is_told_it_will_be_after_lunch(engine, clock):
    # GIVEN 11:40, window 1 alone, ten people ahead: two hours of calling, fifty minutes to 12:30
    clock.set(BEFORE_LUNCH)
    engine.pause_window(2)
    issued = wait_behind(engine, 10)
    estimate = issued.estimate
    # THEN it says so in clock times after 14:30, not a range of hundreds of minutes across lunch
    assert estimate.after_break == "14:30"
    assert estimate.low_minutes >= 170  # 14:30 is 170 minutes away
    assert estimate.text_zh.startswith("中午休息前轮不到您，预计下午2点30分上班后办理")
    assert "也可能" not in estimate.text_zh


def test_a_call_that_may_fall_either_side_of_lunch_shows_the_likelier_side_and_names_the_other(engine, clock):
    clock.set(BEFORE_LUNCH)
    engine.pause_window(2)
    told = [wait_behind(engine, 0).estimate]
    told += [engine.issue("A").estimate for _ in range(6)]
    either_side = [e for e in told if e.break_stop_at or e.break_resume_at]
    assert either_side, told
    for estimate in told:
        # No shown range reaches into the break, where nobody is called.
        assert estimate.high_minutes <= 50 or estimate.low_minutes >= 170, estimate
    for estimate in either_side:
        if estimate.after_break:
            assert "下午2点30分上班后" in estimate.text_zh and "中午12点30分前也可能叫到您" in estimate.text_zh
        else:
            assert estimate.text_zh.endswith("要到下午2点30分上班后才叫到您")


def test_a_wait_past_the_last_call_of_the_day_says_so(engine, clock):
    clock.set(dt.datetime(2026, 11, 27, 17, 0, tzinfo=HALL_TZ))  # the windows call until 18:00
    engine.pause_window(2)
    issued = wait_behind(engine, 12)
    assert issued.estimate.past_closing
    assert issued.estimate.text_zh == texts_zh.WAIT_PAST_CLOSING


def test_the_waiting_line_follows_draws_and_calls_of_another_process(make_engine, tmp_path, clock):
    kiosk = make_engine("shared.db")
    counter = QueueEngine(kiosk.settings, Store(tmp_path / "shared.db"), clock)
    kiosk.estimator.inputs_ttl = 0.0  # service times read afresh: only the waiting line is kept
    kiosk.issue("A")
    for _ in range(5):
        counter.issue("A")
        counter.call_next(1)
        counter.finish(1)
        kiosk.issue("A", "elderly")
    told = kiosk.issue("A")
    fresh = QueueEngine(kiosk.settings, Store(tmp_path / "shared.db"), clock)
    assert kiosk.estimate_wait("A", told.people_ahead) == fresh.estimate_wait("A", told.people_ahead)
    assert kiosk.estimator.line.rebuilds == 1  # read once, then kept up to date from the events


@pytest.fixture
def hall(tmp_path):
    hall = open_hall(load_settings(), ManualClock(BEFORE_LUNCH), database=tmp_path / "hall.db")
    yield hall
    hall.close()


@pytest.mark.parametrize("priority", ["normal", "elderly"])
def test_the_phone_page_and_the_printed_ticket_say_what_the_screen_said(hall, priority):
    hall.engine.pause_window(2)
    for _ in range(4):
        hall.tickets.take_number("A", "normal", channel="kiosk")
    hall.engine.call_next(1)
    issued = hall.tickets.take_number("A", priority, channel="kiosk")  # the kiosk's screen shows this
    page = hall.board.ticket_progress(issued.ticket.id)  # /t/<token> at the same moment
    assert page.people_ahead == issued.people_ahead
    assert page.estimate == issued.estimate
    assert page.as_dict()["wait_text"] == issued.estimate.text_zh
    printed = []
    hall.printing.attach(type("Printer", (), {"submit": lambda self, job, done: printed.append(job)})())
    hall.printing.print_ticket(issued, "", lambda result: None)
    assert issued.estimate.text_zh in queue_ticket(printed[0], 576).text().replace("\n", "")

"""Behaviour of the hall's queue as citizens and window staff meet it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sqlite3

import pytest

from devices.base.clock import HALL_TZ
from kiosk.errors import (
    DailyCapReached,
    HallClosed,
    HolderAlreadyWaiting,
    NobodyWaiting,
    NoCurrentTicket,
    TicketStateError,
    UnknownPriority,
    UnknownQueue,
    UnknownWindow,
    WindowBusy,
    WindowNotServingQueue,
    WindowPaused,
)
from kiosk.queueing.engine import QueueEngine
from kiosk.store import Store

ID_NUMBER = "140521195001011234"


def table_counts(engine: QueueEngine) -> tuple[int, int, int]:
    conn = engine.store.conn
    return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("tickets", "events", "window_state"))


# -- issuing -------------------------------------------------------------------

def test_numbers_count_up_per_queue_with_prefix(engine):
    codes = [engine.issue(q).code for q in ("A", "A", "B", "A", "C")]
    assert codes == ["A001", "A002", "B001", "A003", "C001"]


# The wait estimate's behaviour: tests/core/test_wait_estimate.py.


def test_paused_windows_are_not_counted_as_open(engine):
    engine.issue("B")
    engine.pause_window(3)
    issued = engine.issue("B")
    assert issued.estimate.open_windows == 0
    assert issued.estimate.text_zh == "窗口暂未开放，开放后按顺序叫号"


def test_first_in_line_is_told_it_is_almost_their_turn(engine):
    assert engine.issue("B").estimate.text_zh == "马上就到您"


def test_a_clock_set_days_back_stops_numbering_instead_of_giving_001_twice(engine, clock):
    from kiosk.errors import ClockBehind

    assert engine.issue("A").code == "A001"
    clock.advance(minutes=-5)  # network time corrects a clock that ran a little fast: fine
    assert engine.issue("A").code == "A002"
    clock.advance(days=-3, minutes=5)  # the mini-PC lost its time and booted three days ago
    before = table_counts(engine)
    with pytest.raises(ClockBehind) as caught:
        engine.issue("A")
    assert caught.value.message_zh == "机器时间不对，暂时不能取号，请联系工作人员"
    assert "already issued at 2026-11-27T08:55" in caught.value.message_en
    assert table_counts(engine) == before
    clock.advance(days=3)  # staff set the clock right
    assert engine.issue("A").code == "A003"


def test_after_a_clock_that_jumped_ahead_is_put_right_staff_confirm_and_issuing_resumes(engine, clock):
    from kiosk.errors import ClockBehind

    clock.advance(days=4)  # a bad time sync puts the kiosk on Tuesday; two tickets are drawn "on Tuesday"
    engine.issue("A")
    engine.issue("B")
    clock.advance(days=-4)  # the clock is right again (Friday): the last ticket now looks like the future
    with pytest.raises(ClockBehind):
        engine.issue("A")
    confirmed = engine.confirm_clock(actor="staff")
    assert confirmed.announcement == "已确认机器时间正确，恢复取号"
    assert engine.issue("A").code == "A001"  # Friday's first number: Tuesday's were another day
    assert engine.issue("A").code == "A002"
    # The confirmation covers the tickets drawn before it only: a later lapse stops issuing again.
    clock.advance(days=-2)
    with pytest.raises(ClockBehind):
        engine.issue("A")
    kinds = [row[0] for row in engine.store.conn.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds.count("clock_confirmed") == 1


def test_a_confirmation_covers_only_clocks_that_agree_with_the_confirming_one(make_engine, clock):
    from devices.base.clock import ManualClock
    from kiosk.errors import ClockBehind

    right = make_engine()
    clock.advance(hours=2)  # the clock ran two hours fast for a while
    right.issue("A")
    clock.advance(hours=-2)
    behind_clock = ManualClock(clock.now() - dt.timedelta(days=3))  # a second box, days behind
    behind = QueueEngine(right.settings, right.store, behind_clock)
    right.confirm_clock()  # staff check the right box's clock and confirm it
    with pytest.raises(ClockBehind):
        behind.issue("A")  # not released by a confirmation of another, correct clock
    assert right.issue("A").code == "A002"


def test_a_transfer_after_a_confirmation_does_not_stop_issuing_again(engine, clock):
    from kiosk.errors import ClockBehind

    clock.advance(hours=1)  # fast by an hour: A001 stamped an hour ahead
    engine.issue("A")
    clock.advance(hours=-1)
    with pytest.raises(ClockBehind):
        engine.issue("A")
    engine.confirm_clock()
    engine.issue("A")
    engine.call_ticket(1, "A001")
    engine.transfer(1, "B")  # the copy keeps A001's (future) issue time
    assert engine.issue("A").code == "A003"


def test_daily_cap_refuses_without_burning_a_number(make_engine, tmp_path, clock):
    engine = make_engine()
    capped = dataclasses.replace(engine.settings, queues=tuple(
        dataclasses.replace(q, daily_cap=2) if q.id == "B" else q for q in engine.settings.queues))
    engine = QueueEngine(capped, Store(tmp_path / "capped.db"), clock)
    engine.issue("B")
    engine.issue("B")
    before = table_counts(engine)
    with pytest.raises(DailyCapReached) as caught:
        engine.issue("B")
    assert "综合出件的号已经取完了" in caught.value.message_zh
    assert table_counts(engine) == before
    # A refusal burns nothing: with a higher cap the next ticket is B003.
    raised = dataclasses.replace(capped, queues=tuple(
        dataclasses.replace(q, daily_cap=3) if q.id == "B" else q for q in capped.queues))
    assert QueueEngine(raised, engine.store, clock).issue("B").code == "B003"


def test_one_waiting_ticket_per_person_per_queue(engine):
    first = engine.issue("A", holder_id_number=ID_NUMBER)
    with pytest.raises(HolderAlreadyWaiting) as caught:
        engine.issue("A", holder_id_number=ID_NUMBER)
    assert first.code in caught.value.message_zh
    # Another queue is fine, and so is the same queue once the first ticket is done.
    engine.issue("B", holder_id_number=ID_NUMBER)
    engine.call_next(1)
    engine.finish(1)
    assert engine.issue("A", holder_id_number=ID_NUMBER).code == "A002"


def test_holder_is_stored_only_as_a_keyed_hash(engine, tmp_path):
    engine.issue("A", holder_id_number=ID_NUMBER)
    engine.store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("hall.db*"))
    assert ID_NUMBER.encode() not in raw
    stored = engine.store.conn.execute("SELECT holder_hash FROM tickets").fetchone()[0]
    assert len(stored) == 64 and stored != ID_NUMBER


def test_outside_hours_refusal_says_when_the_hall_opens(engine, clock):
    clock.set(dt.datetime(2026, 11, 27, 12, 30, tzinfo=HALL_TZ))  # Friday lunch break
    with pytest.raises(HallClosed) as caught:
        engine.issue("A")
    assert caught.value.message_zh == "现在不是办公时间，请在今天14:30以后再来取号"
    clock.set(dt.datetime(2026, 11, 27, 17, 20, tzinfo=HALL_TZ))  # 10 minutes before close
    with pytest.raises(HallClosed) as caught:
        engine.issue("A")
    assert caught.value.message_zh == "今天的取号已经结束，请在11月30日（周一）8:30以后再来"
    clock.set(dt.datetime(2026, 9, 30, 19, 0, tzinfo=HALL_TZ))  # eve of the National Day holiday
    with pytest.raises(HallClosed) as caught:
        engine.issue("A")
    assert caught.value.message_zh == "现在不是办公时间，请在10月8日（周四）8:30以后再来取号"
    assert table_counts(engine)[0] == 0


@pytest.mark.parametrize(("queue", "priority", "error"), [("Z", "normal", UnknownQueue), ("A", "vip", UnknownPriority)])
def test_bad_issue_input_is_typed_and_writes_nothing(engine, queue, priority, error):
    before = table_counts(engine)
    with pytest.raises(error) as caught:
        engine.issue(queue, priority=priority)
    assert caught.value.message_zh and caught.value.message_en
    assert table_counts(engine) == before


# -- calling and priority policies --------------------------------------------------

def issue_at(engine, clock, minute: int, priority: str = "normal", queue: str = "A") -> str:
    clock.set(dt.datetime(2026, 11, 27, 9, minute, tzinfo=HALL_TZ))
    return engine.issue(queue, priority=priority).code


def call_order(engine, window: int = 1) -> list[str]:
    order = []
    while True:
        try:
            order.append(engine.call_next(window).ticket.code)
        except NobodyWaiting:
            return order
        engine.finish(window)


def test_strict_policy_serves_every_priority_ticket_first(make_engine, clock):
    engine = make_engine(priority_policy="strict")
    issue_at(engine, clock, 0)
    issue_at(engine, clock, 1)
    issue_at(engine, clock, 50, "elderly")
    assert call_order(engine) == ["A003", "A001", "A002"]


def test_aging_policy_gives_priority_a_head_start_not_a_trump_card(make_engine, clock):
    engine = make_engine(priority_policy="aging", aging_minutes=15)
    issue_at(engine, clock, 0)      # A001 normal at 9:00
    issue_at(engine, clock, 10)     # A002 normal at 9:10
    issue_at(engine, clock, 40)     # A003 normal at 9:40
    issue_at(engine, clock, 59, "elderly")  # A004 elderly at 9:59 → counts as 9:44, after A003
    assert call_order(engine) == ["A001", "A002", "A003", "A004"]
    engine2 = make_engine("second.db", priority_policy="aging", aging_minutes=15)
    issue_at(engine2, clock, 0)
    issue_at(engine2, clock, 10, "elderly")  # 9:10 elderly counts as 8:55: before A001
    assert call_order(engine2) == ["A002", "A001"]


def test_interleave_policy_alternates_priority_and_normal(make_engine, clock):
    engine = make_engine(priority_policy="interleave")
    for minute in range(3):
        issue_at(engine, clock, minute)                 # A001..A003 normal
    for minute in range(3, 6):
        issue_at(engine, clock, minute, "disabled")     # A004..A006 priority
    assert call_order(engine) == ["A004", "A001", "A005", "A002", "A006", "A003"]


# -- people ahead under the priority policies -----------------------------------------

@pytest.mark.parametrize("policy", ["strict", "aging"])
def test_an_elderly_citizen_behind_two_normal_tickets_is_told_nobody_is_ahead(make_engine, clock, policy):
    engine = make_engine(priority_policy=policy, aging_minutes=15)
    issue_at(engine, clock, 0)
    issue_at(engine, clock, 1)
    clock.set(dt.datetime(2026, 11, 27, 9, 2, tzinfo=HALL_TZ))
    elderly = engine.issue("A", priority="elderly")
    assert elderly.people_ahead == 0
    assert elderly.estimate.text_zh == "马上就到您"
    assert call_order(engine)[0] == elderly.code


def test_a_normal_ticket_behind_an_elderly_one_counts_the_elderly(make_engine, clock):
    engine = make_engine(priority_policy="strict")
    issue_at(engine, clock, 0, "elderly")
    clock.set(dt.datetime(2026, 11, 27, 9, 1, tzinfo=HALL_TZ))
    normal = engine.issue("A")
    assert normal.people_ahead == 1
    assert call_order(engine) == ["A001", normal.code]


def test_aging_an_elderly_citizen_is_told_about_normal_tickets_that_waited_past_the_head_start(make_engine, clock):
    engine = make_engine(priority_policy="aging", aging_minutes=15)
    issue_at(engine, clock, 0)      # A001 normal at 9:00: has waited 20 minutes
    issue_at(engine, clock, 10)     # A002 normal at 9:10: has waited 10 minutes
    clock.set(dt.datetime(2026, 11, 27, 9, 20, tzinfo=HALL_TZ))
    elderly = engine.issue("A", priority="elderly")  # counts as 9:05: after A001, before A002
    assert elderly.people_ahead == 1
    # 1 ahead and two free windows serving A: the second calls the elderly citizen at once.
    assert elderly.estimate.text_zh == "马上就到您"
    assert call_order(engine) == ["A001", "A003", "A002"]


def test_interleave_a_priority_citizen_is_told_the_picks_of_the_alternation(make_engine, clock):
    engine = make_engine(priority_policy="interleave")
    for minute in range(3):
        issue_at(engine, clock, minute)                 # A001..A003 normal
    issue_at(engine, clock, 3, "disabled")              # A004, called first
    clock.set(dt.datetime(2026, 11, 27, 9, 4, tzinfo=HALL_TZ))
    second_priority = engine.issue("A", priority="disabled")
    assert second_priority.people_ahead == 2            # A004, then A001, then this one
    assert call_order(engine)[:3] == ["A004", "A001", second_priority.code]


def test_people_ahead_is_counted_when_the_number_is_drawn(make_engine, tmp_path, clock, monkeypatch):
    # A window calling right after the kiosk committed does not change what the
    # citizen was told: the count belongs to the moment the number was drawn.
    kiosk = make_engine("shared.db", priority_policy="strict")
    counter = QueueEngine(kiosk.settings, Store(tmp_path / "shared.db"), clock)
    kiosk.issue("A", priority="elderly")
    draw = kiosk.store.write

    @contextlib.contextmanager
    def draw_then_a_window_calls():
        with draw() as conn:
            yield conn
        counter.call_next(1)

    monkeypatch.setattr(kiosk.store, "write", draw_then_a_window_calls)
    assert kiosk.issue("A").people_ahead == 1
    assert counter.windows()[0].current.code == "A001"


def test_window_only_calls_the_queues_it_serves(engine):
    engine.issue("B")
    with pytest.raises(NobodyWaiting):
        engine.call_next(1)  # window 1 serves A only
    assert engine.call_next(3).ticket.code == "B001"


def test_calling_a_ticket_of_another_queue_by_number_is_refused(engine):
    engine.issue("B")
    with pytest.raises(WindowNotServingQueue) as caught:
        engine.call_ticket(1, "B001")
    assert caught.value.message_zh == "1号窗口不办理综合出件业务"


def test_call_announcement_and_busy_window(engine):
    engine.issue("A")
    engine.issue("A")
    result = engine.call_next(2)
    assert result.announcement == "请A001号到2号窗口办理"
    with pytest.raises(WindowBusy) as caught:
        engine.call_next(2)
    assert caught.value.message_zh == "请先办结或过号当前的A001号"


def test_recall_then_no_show_past_the_limit(make_engine):
    engine = make_engine(recall_limit=2)
    engine.issue("A")
    engine.call_next(1)
    assert engine.recall(1).announcement == "请A001号到1号窗口办理（重呼）"
    assert engine.recall(1).ticket.recall_count == 2
    third = engine.recall(1)
    assert third.action == "no_show" and third.ticket.status == "no_show"
    assert engine.windows()[0].current is None


def test_reactivated_no_show_goes_to_the_back_of_the_line(engine, clock):
    for minute in range(3):
        issue_at(engine, clock, minute)
    engine.call_next(1)
    engine.no_show(1)
    clock.advance(minutes=5)
    engine.reactivate("A001")
    assert call_order(engine) == ["A002", "A003", "A001"]


def test_transfer_keeps_the_place_by_arrival_time(engine, clock):
    issue_at(engine, clock, 0, queue="C")   # C001 at 9:00, consultation
    issue_at(engine, clock, 5)              # A001 at 9:05
    issue_at(engine, clock, 6)              # A002 at 9:06
    engine.call_next(2)                     # window 2 serves A and C: C001 is oldest
    moved = engine.transfer(2, "A")
    assert moved.ticket.code == "C001" and moved.ticket.queue_id == "A"
    assert call_order(engine, window=1) == ["C001", "A001", "A002"]
    original = [t for t in engine.tickets() if t.code == "C001" and t.queue_id == "C"][0]
    assert original.status == "transferred" and original.transferred_to_id == moved.ticket.id


def test_suspend_frees_the_window_and_resume_brings_the_ticket_back(engine):
    engine.issue("A")
    engine.issue("A")
    engine.call_next(1)
    engine.start(1)
    engine.suspend(1)
    assert engine.call_next(1).ticket.code == "A002"
    with pytest.raises(WindowBusy):
        engine.resume(1, "A001")
    engine.finish(1)
    resumed = engine.resume(1, "A001")
    assert resumed.ticket.status == "serving"
    assert engine.finish(1).ticket.status == "finished"


def test_paused_window_refuses_to_call_and_announces(engine):
    engine.issue("A")
    assert engine.pause_window(2).announcement == "2号窗口暂停服务"
    with pytest.raises(WindowPaused):
        engine.call_next(2)
    engine.resume_window(2)
    assert engine.call_next(2).ticket.code == "A001"


def test_finishing_twice_is_refused_and_changes_nothing(engine):
    engine.issue("A")
    engine.call_next(1)
    engine.finish(1)
    before = table_counts(engine)
    with pytest.raises(NoCurrentTicket) as caught:
        engine.finish(1)
    assert caught.value.message_zh == "1号窗口当前没有正在办理的号"
    assert table_counts(engine) == before


def test_state_errors_explain_in_chinese(engine):
    engine.issue("A")
    engine.call_next(1)
    engine.start(1)
    with pytest.raises(TicketStateError) as caught:
        engine.no_show(1)
    assert caught.value.message_zh == "A001号现在是“办理中”，不能标记过号"
    with pytest.raises(UnknownWindow):
        engine.call_next(9)


def test_timestamps_give_wait_walk_service_and_total_times(engine, clock):
    engine.issue("A")
    clock.advance(minutes=7)
    engine.call_next(1)
    clock.advance(minutes=1)
    engine.start(1)
    clock.advance(minutes=9)
    ticket = engine.finish(1).ticket
    assert (ticket.wait_minutes, ticket.walk_minutes, ticket.service_minutes, ticket.total_minutes) == (7, 1, 9, 17)


def test_every_operation_is_an_event_and_events_cannot_be_changed(engine):
    engine.issue("A")
    engine.call_next(1)
    engine.recall(1)
    engine.start(1)
    engine.finish(1)
    assert [e["kind"] for e in engine.events()] == ["issue", "call", "recall", "start", "finish"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        engine.store.conn.execute("UPDATE events SET kind = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        engine.store.conn.execute("DELETE FROM events")


# -- business day -----------------------------------------------------------------

def test_sequence_restarts_at_shanghai_midnight_not_utc_midnight(make_engine, clock):
    engine = make_engine()
    round_the_clock = dataclasses.replace(engine.settings.hours, fri=("00:00-24:00",), sat=("00:00-24:00",),
                                          stop_issuing_minutes_before_close=0)
    engine = QueueEngine(dataclasses.replace(engine.settings, hours=round_the_clock),
                         Store(engine.store.path), clock)
    # 07:50 and 08:10 Shanghai straddle UTC midnight: same business day, sequence continues.
    clock.set(dt.datetime(2026, 11, 27, 7, 50, tzinfo=HALL_TZ))
    assert engine.issue("A").code == "A001"
    clock.set(dt.datetime(2026, 11, 27, 8, 10, tzinfo=HALL_TZ))
    assert engine.issue("A").code == "A002"
    clock.set(dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=HALL_TZ))
    assert engine.issue("A").code == "A003"
    clock.set(dt.datetime(2026, 11, 28, 0, 0, 1, tzinfo=HALL_TZ))
    fresh = engine.issue("A")
    assert fresh.code == "A001" and fresh.ticket.business_day == "2026-11-28"
    # Yesterday's tickets are kept, not deleted, and not counted as waiting today.
    assert len(engine.tickets(day="2026-11-27")) == 3
    assert fresh.people_ahead == 0


def test_reopening_the_database_continues_the_sequence(make_engine):
    first = make_engine()
    first.issue("A")
    first.issue("A")
    first.store.close()
    assert make_engine().issue("A").code == "A003"


def test_past_999_numbers_grow_to_four_digits(make_engine, tmp_path, clock):
    engine = make_engine()
    big = dataclasses.replace(engine.settings, queues=tuple(
        dataclasses.replace(q, daily_cap=2000) for q in engine.settings.queues))
    engine = QueueEngine(big, engine.store, clock)
    codes = [engine.issue("A").code for _ in range(1001)]
    assert codes[998:] == ["A999", "A1000", "A1001"]
    assert engine.store.integrity_problems() == []


def test_holder_link_is_cleared_once_a_later_business_day_has_begun(engine, clock):
    from kiosk.retention import purge_expired_personal_data

    engine.issue("A", holder_id_number=ID_NUMBER)
    assert purge_expired_personal_data(engine.settings, engine.store, clock)["holder_hashes_cleared"] == 0
    clock.advance(days=3)  # Monday
    engine.issue("A")
    assert purge_expired_personal_data(engine.settings, engine.store, clock) == {
        "before_day": "2026-11-30", "holder_hashes_cleared": 1}
    assert engine.store.conn.execute("SELECT COUNT(*) FROM tickets WHERE holder_hash IS NOT NULL").fetchone()[0] == 0
    assert engine.store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 2  # statistics stay


def test_full_disk_refuses_kindly_and_loses_nothing_already_issued(engine):
    from kiosk.errors import StoreError

    pages = engine.store.conn.execute("PRAGMA page_count").fetchone()[0]
    engine.store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLite's own "disk full"
    issued = []
    with pytest.raises(StoreError) as caught:
        for _ in range(500):
            issued.append(engine.issue("A").code)
    assert caught.value.message_zh == "存储空间已满，请联系工作人员"
    assert "full" in caught.value.message_en
    assert issued and [t.code for t in engine.tickets()] == issued
    assert engine.store.integrity_problems() == []
    engine.store.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert engine.issue("A").code == f"A{len(issued) + 1:03d}"  # no number was burned


def test_a_window_paused_by_another_process_shows_in_estimates_soon(make_engine, tmp_path, clock):
    import time

    kiosk = make_engine("shared.db")
    counter = QueueEngine(kiosk.settings, Store(tmp_path / "shared.db"), clock)
    kiosk.estimator.inputs_ttl = 0.2
    kiosk.issue("B")
    assert kiosk.issue("B").estimate.open_windows == 1
    counter.pause_window(3)  # the only window serving B, paused from the counter console
    time.sleep(0.3)
    assert kiosk.issue("B").estimate.text_zh == "窗口暂未开放，开放后按顺序叫号"

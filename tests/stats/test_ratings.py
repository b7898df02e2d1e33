"""Ratings (好差评): who may rate what, when, once; the 差评 reason and its follow-up."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from kiosk.services.ratings import (FollowupRefused, NotRateable, RatingExists, RatingLevelUnknown,
                                    RatingReasonRequired, RatingTooLate)
from stats_day import at

STAFF = "staff:zhaomin"


def served(hall, clock, queue="A", window=1, actor=STAFF):
    """Issue, call, start, finish one ticket at `window`; returns the finished ticket."""
    issued = hall.tickets.take_number(queue)
    clock.advance(minutes=5)
    hall.engine.call_next(window, actor=actor)
    clock.advance(minutes=1)
    hall.engine.start(window, actor=actor)
    clock.advance(minutes=8)
    return hall.engine.finish(window, actor=actor).ticket, issued


def test_a_finished_ticket_is_rated_once_with_its_window_staff_and_queue(hall, clock):
    ticket, _ = served(hall, clock)
    rating = hall.ratings.rate_ticket(ticket.id, 5, comment="很快")
    assert (rating.level, rating.level_zh, rating.queue_id, rating.window_number, rating.staff) == \
        (5, "非常满意", "A", 1, "zhaomin")
    assert rating.business_day == "2026-11-27" and rating.service_channel == "kiosk" and rating.channel == "phone"
    assert rating.followup is None
    with pytest.raises(RatingExists) as refused:
        hall.ratings.rate_ticket(ticket.id, 4)
    assert "已经评价" in refused.value.message_zh
    state = hall.ratings.ticket_state(ticket.id)
    assert not state.can_rate and state.rating.id == rating.id


@pytest.mark.parametrize("level", [2, 1])
def test_a_bad_rating_without_a_reason_is_refused(hall, clock, level):
    ticket, _ = served(hall, clock)
    with pytest.raises(RatingReasonRequired) as refused:
        hall.ratings.rate_ticket(ticket.id, level)
    assert "原因" in refused.value.message_zh
    with pytest.raises(RatingReasonRequired):
        hall.ratings.rate_ticket(ticket.id, level, reasons=["other"])  # "other" needs words
    # Nothing was written: the citizen can still rate, with a reason.
    assert hall.ratings.ticket_state(ticket.id).can_rate
    rating = hall.ratings.rate_ticket(ticket.id, level, reasons=["wait_long", "other"], comment="窗口太少")
    assert rating.reasons == ("wait_long", "other") and rating.followup == "open"


def test_reasons_only_come_from_the_list_and_only_with_a_bad_rating(hall, clock):
    ticket, _ = served(hall, clock)
    with pytest.raises(Exception) as unknown:
        hall.ratings.rate_ticket(ticket.id, 2, reasons=["too_hot"])
    assert "列表" in unknown.value.message_zh
    with pytest.raises(Exception):
        hall.ratings.rate_ticket(ticket.id, 5, reasons=["wait_long"])
    with pytest.raises(RatingLevelUnknown):
        hall.ratings.rate_ticket(ticket.id, 6)


def test_a_ticket_that_was_not_finished_cannot_be_rated(hall, clock):
    waiting = hall.tickets.take_number("A").ticket
    with pytest.raises(NotRateable):
        hall.ratings.rate_ticket(waiting.id, 5)
    hall.engine.call_next(1, actor=STAFF)
    with pytest.raises(NotRateable):
        hall.ratings.rate_ticket(waiting.id, 5)  # called
    for _ in range(3):
        hall.engine.recall(1, actor=STAFF)  # the third goes past the recall limit: no-show
    assert hall.engine.ticket_by_id(waiting.id).status == "no_show"
    with pytest.raises(NotRateable) as refused:
        hall.ratings.rate_ticket(waiting.id, 5)
    assert "办结" in refused.value.message_zh
    assert hall.ratings.ticket_state(waiting.id).reason_zh == "办结后可以评价"


def test_later_the_same_day_is_fine_and_the_next_day_is_too_late(hall, clock):
    first, _ = served(hall, clock)
    second, _ = served(hall, clock)
    clock.set(at(17, 25))
    assert hall.ratings.rate_ticket(first.id, 4).level == 4
    clock.set(at(0, 0, 1, day=dt.date(2026, 11, 28)))
    with pytest.raises(RatingTooLate) as late:
        hall.ratings.rate_ticket(second.id, 4)
    assert "当天" in late.value.message_zh
    assert not hall.ratings.ticket_state(second.id).can_rate


def test_a_transferred_ticket_is_rated_where_it_was_finished(hall, clock):
    issued = hall.tickets.take_number("C")
    hall.engine.call_next(2, actor=STAFF)
    hall.engine.transfer(2, "A", actor=STAFF)
    hall.engine.call_next(1, actor="staff:lina")
    hall.engine.finish(1, actor="staff:lina")
    rating = hall.ratings.rate_ticket(issued.ticket.id, 3)  # the QR's id: the original ticket
    assert (rating.queue_id, rating.window_number, rating.staff) == ("A", 1, "lina")
    assert rating.ticket_id != issued.ticket.id
    with pytest.raises(RatingExists):
        hall.ratings.rate_ticket(rating.ticket_id, 3)


def test_a_bad_rating_is_followed_up_by_a_manager_and_audited(hall, clock):
    manager = hall.accounts.create_manager("wangli", "Jiafeng-2026!")
    staff = hall.accounts.create_account(manager, "zhaomin", "Window-one-2026", role="window_staff")
    ticket, _ = served(hall, clock)
    rating = hall.ratings.rate_ticket(ticket.id, 1, reasons=["attitude"])
    assert [r.id for r in hall.ratings.open_followups()] == [rating.id]
    with pytest.raises(FollowupRefused):
        hall.ratings.handle_followup(rating.id, staff, "已回访")
    with pytest.raises(RatingReasonRequired):
        hall.ratings.handle_followup(rating.id, manager, "  ")
    clock.advance(hours=2)
    handled = hall.ratings.handle_followup(rating.id, manager, "已电话回访，向群众致歉并说明")
    assert (handled.followup, handled.handled_by) == ("handled", "wangli")
    assert handled.handled_at == clock.now()
    assert hall.ratings.open_followups() == []
    with pytest.raises(FollowupRefused):
        hall.ratings.handle_followup(rating.id, manager, "again")
    actions = [(a["action"], a["actor"]) for a in hall.ratings.audit(rating.id)]
    assert actions == [("rated", "citizen:phone"), ("followup_handled", "staff:wangli")]


def test_what_was_rated_never_changes_and_the_audit_is_append_only(hall, clock):
    ticket, _ = served(hall, clock)
    rating = hall.ratings.rate_ticket(ticket.id, 2, reasons=["slow"])
    for statement in ("UPDATE ratings SET level = 5", "DELETE FROM ratings", "UPDATE rating_audit SET actor = 'x'",
                      "DELETE FROM rating_audit"):
        with pytest.raises(sqlite3.DatabaseError):
            hall.store.conn.execute(statement)
    assert hall.ratings.rating(rating.id).level == 2


def test_a_closed_drop_off_is_rated_once_the_day_it_closed(settings):
    from devices.base.clock import ManualClock
    from dropoff_drafts import SATURDAY_EVENING, fill_draft, page_jpegs
    from kiosk.root.hall import open_hall

    clock = ManualClock(SATURDAY_EVENING)
    hall = open_hall(settings, clock)
    try:
        submitted = hall.dropoff.submit(fill_draft(hall.dropoff, page_jpegs()))
        with pytest.raises(NotRateable):
            hall.ratings.rate_dropoff(submitted.code, 5)
        clock.set(at(9, 0, day=dt.date(2026, 11, 30)))
        hall.dropoff.accept(submitted.code, actor="staff:zhaomin")
        hall.dropoff.mark_ready(submitted.code, actor="staff:zhaomin")
        clock.set(at(10, 0, day=dt.date(2026, 12, 2)))
        hall.dropoff.mark_collected(submitted.code, actor="staff:lina")
        clock.set(at(16, 0, day=dt.date(2026, 12, 2)))
        rating = hall.ratings.rate_dropoff(submitted.code, 4, channel="kiosk")
        assert (rating.matter_id, rating.staff, rating.business_day, rating.window_number) == \
            ("jiuye-chuangye-zheng", "lina", "2026-12-02", None)
        with pytest.raises(RatingExists):
            hall.ratings.rate_dropoff(submitted.code, 4)
    finally:
        hall.close()

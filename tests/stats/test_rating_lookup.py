"""Finding the ticket to rate: by its typed number (limited guesses), by its QR link, by the window
that just finished it; and the window's tablet rating with channel "window"."""

from __future__ import annotations

import pytest

from kiosk.services.ratings import NotRateable, RatingExists, RatingLookupPaused, RatingNotFound, RatingTooLate


def served(hall, clock, queue="A", window=1, actor="staff:zhaomin"):
    """Issue, call, finish one ticket at `window`; returns the finished ticket."""
    issued = hall.tickets.take_number(queue)
    clock.advance(minutes=5)
    hall.engine.call_next(window, actor=actor)
    clock.advance(minutes=8)
    return hall.engine.finish(window, actor=actor).ticket, issued


def test_a_typed_number_finds_todays_finished_ticket_with_or_without_leading_zeros(hall, clock):
    ticket, _ = served(hall, clock)
    assert ticket.code == "A001"
    for typed in ("A001", "a1", "A01", " A0001 "):
        target = hall.ratings.find_ticket_by_number(typed)
        assert (target.ticket_id, target.code, target.window_number) == (ticket.id, "A001", 1)
    assert hall.ratings.ticket_letters() == ["A", "B", "C"]
    assert hall.ratings.normalise_number("Z001") is None and hall.ratings.normalise_number("A000") is None


def test_refusals_say_why_plainly_and_count_towards_the_pause(hall, clock):
    ratings = hall.ratings
    ratings.number_max_wrong = 3
    done, _ = served(hall, clock)
    hall.tickets.take_number("A")  # A002, waiting
    with pytest.raises(NotRateable) as waiting:
        ratings.find_ticket_by_number("A2")
    assert "办完后才能评价" in waiting.value.message_zh and "还可以试2次" in waiting.value.message_zh
    ratings.rate_ticket(done.id, 5, channel="kiosk")
    with pytest.raises(RatingExists) as rated:
        ratings.find_ticket_by_number("A1")
    assert "已经评价过了" in rated.value.message_zh
    with pytest.raises(RatingNotFound) as unknown:
        ratings.find_ticket_by_number("C9")
    assert "今天没有这个号" in unknown.value.message_zh
    with pytest.raises(RatingLookupPaused) as paused:
        ratings.find_ticket_by_number("A1")
    assert "分钟后再试" in paused.value.message_zh and "二维码" in paused.value.message_zh
    with pytest.raises(RatingExists):
        ratings.find_ticket_by_number("A1", source="kiosk:2")  # another kiosk is not paused
    clock.advance(minutes=ratings.number_window_minutes + 1)
    with pytest.raises(RatingExists):
        ratings.find_ticket_by_number("A1")  # asked again: the pause is over


def test_yesterdays_number_is_not_found_but_its_qr_says_too_late(hall, clock):
    ticket, _ = served(hall, clock)
    link = hall.links.ticket_address(ticket.id) or "http://hall/t/" + hall.engine.holder_key.ticket_link_token(ticket.id)
    assert hall.ratings.find_ticket_by_codes(["QXB-OTHER", link]).ticket_id == ticket.id
    clock.advance(hours=24)
    with pytest.raises(RatingNotFound):
        hall.ratings.find_ticket_by_number("A001")
    with pytest.raises(RatingTooLate):
        hall.ratings.find_ticket_by_codes([link])


def test_a_forged_or_foreign_qr_is_not_a_ticket(hall, clock):
    ticket, _ = served(hall, clock)
    token = hall.engine.holder_key.ticket_link_token(ticket.id)
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    with pytest.raises(RatingNotFound) as refused:
        hall.ratings.find_ticket_by_codes([f"http://hall/t/{forged}", "https://example.com/"])
    assert "没有认出" in refused.value.message_zh


def test_the_window_asks_for_the_ticket_it_just_finished_until_it_calls_again(hall, clock):
    ratings = hall.ratings
    assert ratings.window_prompt(1) is None
    ticket, _ = served(hall, clock, window=1)
    assert ratings.window_prompt(1).code == ticket.code and ratings.window_prompt(2) is None
    rating = ratings.rate_at_window(1, ticket.code, 2, reasons=["slow"])
    assert (rating.channel, rating.window_number, rating.followup) == ("window", 1, "open")
    assert ratings.window_prompt(1) is None  # rated: nothing more to ask

    second, _ = served(hall, clock, window=1)
    with pytest.raises(RatingNotFound):
        ratings.rate_at_window(2, second.code, 5)  # not finished at window 2
    hall.tickets.take_number("A")
    hall.engine.call_next(1)
    assert ratings.window_prompt(1) is None  # the window moved on to somebody else
    clock.advance(minutes=20)
    with pytest.raises(RatingTooLate):
        ratings.rate_at_window(1, second.code, 5)


def test_the_window_prompt_ends_after_a_few_minutes(hall, clock):
    served(hall, clock, window=1)
    clock.advance(minutes=4)
    assert hall.ratings.window_prompt(1) is None

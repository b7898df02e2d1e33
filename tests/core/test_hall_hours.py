"""What Home says about taking a number at each moment of a working day (the default hall:
08:30-12:00 and 14:30-17:30, issuing stops 15 minutes before each period ends)."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.base.clock import HALL_TZ
from kiosk.config import load_settings
from kiosk.hall_hours import issuing_state

FRIDAY = dt.date(2026, 11, 27)


def state_at(hour: int, minute: int):
    return issuing_state(load_settings().hours, dt.datetime.combine(FRIDAY, dt.time(hour, minute), tzinfo=HALL_TZ))


@pytest.mark.parametrize(("hour", "minute"), [(11, 45), (11, 55)])
def test_just_before_lunch_the_kiosk_says_to_come_back_this_afternoon(hour, minute):
    state = state_at(hour, minute)
    assert not state.open
    assert state.message_zh == "现在暂停取号，请在今天14:30以后再来取号"
    assert "今天的取号已经结束" not in state.message_zh


def test_in_the_lunch_break_the_kiosk_says_this_afternoon():
    assert state_at(12, 30).message_zh == "现在不是办公时间，请在今天14:30以后再来取号"


def test_after_the_last_ticket_of_the_day_it_says_the_next_working_day():
    state = state_at(17, 20)
    assert state.message_zh == "今天的取号已经结束，请在11月30日（周一）8:30以后再来"


def test_during_opening_hours_numbers_can_be_taken():
    assert state_at(9, 0).open and state_at(15, 0).open


def test_a_dropoff_on_saturday_evening_is_looked_at_on_monday_and_a_holiday_moves_it_on():
    import dataclasses

    from kiosk.config import load_settings
    from kiosk.hall_hours import add_working_days, review_day

    hours = load_settings().hours
    saturday_evening = dt.datetime(2026, 11, 28, 19, 30, tzinfo=HALL_TZ)
    assert review_day(hours, saturday_evening) == dt.date(2026, 11, 30)
    during_hours = dt.datetime(2026, 11, 30, 10, 0, tzinfo=HALL_TZ)
    assert review_day(hours, during_hours) == dt.date(2026, 11, 30)
    closed_monday = dataclasses.replace(hours, holidays=(dt.date(2026, 11, 30),))
    assert review_day(closed_monday, saturday_evening) == dt.date(2026, 12, 1)
    # Five working days from Monday: the next Monday; with Tuesday a holiday, Tuesday after.
    assert add_working_days(hours, dt.date(2026, 11, 30), 5) == dt.date(2026, 12, 7)
    with_holiday = dataclasses.replace(hours, holidays=(dt.date(2026, 12, 1),))
    assert add_working_days(with_holiday, dt.date(2026, 11, 30), 5) == dt.date(2026, 12, 8)
    assert add_working_days(hours, dt.date(2026, 11, 30), 0) == dt.date(2026, 11, 30)

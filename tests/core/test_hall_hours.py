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

"""What a citizen types on the keypad: ID numbers (check digit) and phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.identity import check_id_number, check_phone, id_check_char

TODAY = dt.date(2026, 12, 3)


def test_the_national_standard_example_passes_and_any_single_wrong_digit_fails():
    good = "11010519491231002X"  # GB 11643-1999's own example
    assert check_id_number(good, TODAY).ok
    assert check_id_number(good.lower(), TODAY).ok
    for position in range(17):
        for digit in "0123456789":
            if digit == good[position]:
                continue
            typo = good[:position] + digit + good[position + 1:]
            assert not check_id_number(typo, TODAY).ok, typo


def test_two_neighbouring_digits_swapped_are_caught():
    good = "110105194912310021"[:17]
    number = good + id_check_char(good)
    for position in range(16):
        if number[position] == number[position + 1]:
            continue
        swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]
        assert not check_id_number(swapped, TODAY).ok, swapped


@pytest.mark.parametrize("typed, says", [
    ("1101051949123100", "应是18位，您输入了16位"),
    ("11010519491231002Y", "最后一位可能是X"),
    ("110105194902301234", "出生日期不对"),
    ("110105203001011234", "出生日期不对"),
])
def test_wrong_shapes_say_what_is_wrong_in_plain_chinese(typed, says):
    verdict = check_id_number(typed, TODAY)
    assert not verdict.ok and says in verdict.message_zh


@pytest.mark.parametrize("phone, ok", [
    ("13912345678", True), ("139 1234 5678", True), ("0356-5021234", True), ("03565021234", True),
    ("1391234567", False), ("12345678901", False), ("5021234", False), ("", False),
])
def test_phone_numbers(phone, ok):
    assert check_phone(phone).ok is ok

"""Identity-number checks: GB 11643-1999 (ISO 7064 MOD 11-2) and the foreigner formats."""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

_RESIDENT_PATTERN = re.compile(r"^\d{17}[\dX]$")
_OLD_FOREIGNER_PATTERN = re.compile(r"^[A-Z]{3}\d{12}$")
_FOREIGNER_2023_PATTERN = re.compile(r"^9\d{16}[\dX]$")


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def has_valid_check(number: str) -> bool:
    number = number.upper()
    return bool(_RESIDENT_PATTERN.match(number)) and check_character(number[:17]) == number[17]


def resident_number_problem(number: str, birth_date: dt.date | None = None, sex_code: str | None = None) -> str | None:
    """Why an 18-digit resident-style number is wrong, or None when it is right.

    Used for 居民身份证 and 港澳台居民居住证 (810000/820000/830000 prefixes).
    The reason never contains the number itself, so it can be logged.
    """
    number = number.upper()
    if not _RESIDENT_PATTERN.match(number):
        return "not 17 digits followed by a digit or X"
    if check_character(number[:17]) != number[17]:
        return "check character does not match (GB 11643 MOD 11-2)"
    try:
        embedded = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "digits 7-14 are not a calendar date"
    if birth_date is not None and embedded != birth_date:
        return "birth date field disagrees with digits 7-14"
    if sex_code in ("1", "2"):
        odd = int(number[16]) % 2 == 1
        if odd != (sex_code == "1"):
            return "sex field disagrees with the parity of digit 17"
    return None


def foreigner_number_problem(number: str, new_format: bool) -> str | None:
    number = number.upper()
    if new_format:
        if not _FOREIGNER_2023_PATTERN.match(number):
            return "not 9 followed by 16 digits and a digit or X"
        if check_character(number[:17]) != number[17]:
            return "check character does not match (MOD 11-2)"
        return None
    if not _OLD_FOREIGNER_PATTERN.match(number):
        return "not 3 letters followed by 12 digits"
    return None

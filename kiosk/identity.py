"""Checks on what a citizen types instead of what a card tells: ID numbers and phone numbers.

A mistyped digit in a manually entered ID number would file a drop-off under
somebody else; the 18th character of a resident ID number is a check digit
(GB 11643-1999, ISO 7064 MOD 11-2), so one wrong digit or two swapped digits are
caught on the keypad, before anything is stored. The check itself is the card
reader's (devices.idcard.idnumber); this adds what a person typing needs: which
part is wrong, in words an elderly villager understands.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from devices.idcard.idnumber import check_character

_ID_SHAPE = re.compile(r"\d{17}[\dX]")
# Mainland mobile numbers: 11 digits starting 13-19. Landlines: area code 0xx/0xxx
# then 7-8 digits (Qinshui is 0356), written with or without the hyphen.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message_zh: str = ""
    message_en: str = ""


def normalise_id_number(text: str) -> str:
    return str(text or "").strip().upper().replace(" ", "")


def id_check_char(first_17: str) -> str:
    return check_character(first_17)


def check_id_number(text: str, today: dt.date | None = None) -> Verdict:
    """Is this a resident ID number that could exist (shape, birth date, check digit)?"""
    number = normalise_id_number(text)
    if len(number) != 18:
        return Verdict(False, f"身份证号应是18位，您输入了{len(number)}位", f"{len(number)} characters, not 18")
    if not _ID_SHAPE.fullmatch(number):
        return Verdict(False, "身份证号只有数字，最后一位可能是X", "not 17 digits and a digit or X")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return Verdict(False, "身份证号里的出生日期不对，请再核对一遍", "no such birth date")
    if born.year < 1890 or (today is not None and born > today):
        return Verdict(False, "身份证号里的出生日期不对，请再核对一遍", "birth date out of range")
    if id_check_char(number[:17]) != number[17]:
        return Verdict(False, "身份证号有一位不对，请对照身份证再核对一遍", "check digit does not match")
    return Verdict(True)


def normalise_phone(text: str) -> str:
    return re.sub(r"[\s()（）]", "", str(text or ""))


def check_phone(text: str) -> Verdict:
    phone = normalise_phone(text)
    if not phone:
        return Verdict(False, "请留一个能打通的电话号码，方便工作人员联系您", "empty")
    if _MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone):
        return Verdict(True)
    if phone.startswith("1") and len(phone) != 11:
        return Verdict(False, f"手机号应是11位，您输入了{len(phone)}位", f"mobile number of {len(phone)} digits")
    return Verdict(False, "这个电话号码不对，请再核对一遍（座机请加区号，如0356）", "not a mobile or landline number")

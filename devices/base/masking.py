"""Masking of personal data for anything shown, printed or logged.

In the bottom layer because the ID-card reader masks what it reports and the kiosk
masks what it shows: one rule for both.
"""

from __future__ import annotations


def mask_id_number(id_number: str | None) -> str:
    """`140521198001011234` -> `1405**********1234` (first 4, last 4 kept).

    Shorter numbers (a 9-character 港澳台 pass number, a passport) keep a quarter
    at each end: 4+4 of nine characters would give the number away.
    """
    if not id_number:
        return ""
    text = str(id_number)
    keep = 4 if len(text) >= 15 else len(text) // 4
    if keep == 0:
        return "*" * len(text)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]


def mask_name(name: str | None) -> str:
    """`张三` -> `张*`, `欧阳娜娜` -> `欧***`; Latin names keep their first letter."""
    if not name:
        return ""
    text = str(name).strip()
    if len(text) <= 1:
        return text
    return text[0] + "*" * (len(text) - 1)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    text = str(phone)
    if len(text) < 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]

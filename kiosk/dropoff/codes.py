"""Submission codes a villager can read aloud over the phone and type on a keypad.

8 characters from 21 that cannot be mistaken for one another on paper, on a
screen or read aloud: no 0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V. 21^8 ≈ 3.8e10 codes,
drawn at random, so a code says nothing about how many came before and cannot be guessed
(looking one up also needs the last 4 of the ID number, and wrong tries are
rate-limited).
"""

from __future__ import annotations

import secrets

ALPHABET = "34679ACEFGHJKMNPRTWXY"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed, as a code: case, spaces and hyphens do not matter."""
    return "".join(str(text or "").upper().split()).replace("-", "")


def looks_like_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


def spaced(code: str) -> str:
    """`K7MWCE3R` -> `K7MW CE3R`: two groups of four are easier to read out."""
    return f"{code[:4]} {code[4:]}"

"""Personal data is kept only as long as needed, and only the kiosk's user can read it.

GIVEN a hall, WHEN citizens draw numbers with their ID card and days go by, THEN a
holder hash exists only while the one-ticket-per-person rule needs it, and the
files holding it are private even in a folder that used to be open.
"""

from __future__ import annotations

import configparser
import logging
import os
import stat
from pathlib import Path

import pytest

from kiosk.maintenance import DailyPurge

ID_NUMBER = "140521195001011234"
OTHER_ID_NUMBER = "140521196203041235"
REPO = Path(__file__).resolve().parents[2]


def _hashes_by_day(engine) -> dict[str, int]:
    rows = engine.store.conn.execute(
        "SELECT business_day, COUNT(*) FROM tickets WHERE holder_hash IS NOT NULL GROUP BY business_day")
    return dict(rows.fetchall())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- what is stored ------------------------------------------------------------------------

def test_no_holder_hash_is_stored_when_the_one_ticket_rule_is_off(make_engine):
    engine = make_engine(one_waiting_ticket_per_person=False)
    engine.issue("A", holder_id_number=ID_NUMBER)
    engine.issue("A", holder_id_number=ID_NUMBER)  # the rule is off: a second ticket is fine
    assert engine.store.conn.execute("SELECT COUNT(*) FROM tickets WHERE holder_hash IS NOT NULL").fetchone()[0] == 0


def test_with_the_rule_on_the_hash_is_stored_and_enforced(engine):
    engine.issue("A", holder_id_number=ID_NUMBER)
    assert _hashes_by_day(engine) == {"2026-11-27": 1}

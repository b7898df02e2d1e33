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


# -- how long it is kept ---------------------------------------------------------------------

def test_yesterdays_hashes_are_cleared_by_the_daily_purge_and_todays_kept(engine, clock):
    engine.issue("A", holder_id_number=ID_NUMBER)  # Friday 11-27
    purge = DailyPurge(engine.settings, engine.store, clock)
    assert purge.run_if_due()["holder_hashes_cleared"] == 0
    clock.advance(days=3)  # Monday 11-30
    engine.issue("A", holder_id_number=ID_NUMBER)  # the same person again: a new day, a new ticket
    engine.issue("B", holder_id_number=OTHER_ID_NUMBER)
    result = purge.run_if_due()
    assert result == {"before_day": "2026-11-30", "holder_hashes_cleared": 1}
    assert _hashes_by_day(engine) == {"2026-11-30": 2}
    # Today's hashes still do their job.
    from kiosk.errors import HolderAlreadyWaiting

    with pytest.raises(HolderAlreadyWaiting):
        engine.issue("A", holder_id_number=ID_NUMBER)


def test_a_clock_that_jumped_ahead_does_not_clear_todays_hashes(engine, clock):
    engine.issue("A", holder_id_number=ID_NUMBER)
    purge = DailyPurge(engine.settings, engine.store, clock)
    purge.run_if_due()
    real_now = clock.now()
    clock.advance(days=400)  # a bad RTC: far past any retention period
    assert purge.run_if_due()["holder_hashes_cleared"] == 0
    assert _hashes_by_day(engine) == {"2026-11-27": 1}
    clock.set(real_now)  # and back again
    purge.run_if_due()
    assert _hashes_by_day(engine) == {"2026-11-27": 1}
    from kiosk.errors import HolderAlreadyWaiting

    with pytest.raises(HolderAlreadyWaiting):
        engine.issue("A", holder_id_number=ID_NUMBER)


def test_kiosk_db_purge_clears_finished_days_too(tmp_path, capsys):
    from kiosk.cli import main

    db = str(tmp_path / "hall.db")
    assert main(["ticket", "issue", "--queue", "A", "--holder-id", ID_NUMBER, "--db", db,
                 "--at", "2026-11-27T09:30"]) == 0
    assert main(["ticket", "issue", "--queue", "A", "--holder-id", OTHER_ID_NUMBER, "--db", db,
                 "--at", "2026-11-30T09:30"]) == 0
    umask = os.umask(0o022)
    os.umask(umask)
    capsys.readouterr()
    assert main(["db", "purge", "--db", db, "--at", "2026-11-30T10:00"]) == 0
    assert "cleared 1 holder hashes of business days before 2026-11-30" in capsys.readouterr().out
    check_umask = os.umask(umask)
    assert check_umask == umask  # main() gives the caller its umask back

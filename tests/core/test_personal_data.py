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


# -- who can read it -------------------------------------------------------------------------

@pytest.fixture
def shell_umask():
    """The umask of a hall PC's shell (022): files would be created world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_database_and_key_are_0600_and_the_data_dir_0700_even_if_it_was_0755(data_dir, settings, clock,
                                                                            shell_umask, caplog):
    from kiosk.root.hall import open_hall

    data_dir.mkdir()
    os.chmod(data_dir, 0o755)
    (data_dir / "cache").mkdir()
    with caplog.at_level(logging.WARNING, logger="kiosk.privacy"):
        hall = open_hall(settings, clock)
    try:
        hall.engine.issue("A", holder_id_number=ID_NUMBER)  # creates holder.key
        assert _mode(data_dir) == 0o700
        for name in ("hall.db", "hall.db-wal", "hall.db-shm", "holder.key"):
            assert _mode(data_dir / name) == 0o600, name
    finally:
        hall.close()
    assert "was open to others (mode 755): tightened to 700" in caplog.text


def test_files_an_older_version_left_readable_are_tightened(data_dir, settings, clock, shell_umask):
    from kiosk.privacy import HolderKey
    from kiosk.root.hall import open_hall

    HolderKey(data_dir).key()
    hall = open_hall(settings, clock)
    hall.engine.issue("A")
    hall.close()
    for name in ("hall.db", "holder.key"):
        os.chmod(data_dir / name, 0o644)
    hall = open_hall(settings, clock)
    try:
        hall.engine.issue("A", holder_id_number=ID_NUMBER)
        for name in ("hall.db", "holder.key"):
            assert _mode(data_dir / name) == 0o600, name
    finally:
        hall.close()


def test_a_database_elsewhere_never_changes_a_folder_that_is_not_the_hall_s(tmp_path, settings, clock, shell_umask):
    from kiosk.root.hall import open_hall

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    hall = open_hall(settings, clock, database=shared / "copy.db")
    hall.close()
    assert _mode(shared) == 0o755  # `--db` somewhere: not our folder to lock
    assert _mode(shared / "copy.db") == 0o600  # but the database itself is private


def test_the_deploy_unit_runs_with_a_private_umask():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(REPO / "deploy" / "qinxin-kiosk.service", encoding="utf-8")
    service = unit["Service"]
    assert service.get("UMask") == "0077"
    assert service.get("StateDirectoryMode") == "0700"
    assert service.get("LogsDirectoryMode") == "0700"

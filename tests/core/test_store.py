"""The hall database file: migrations of shipped schemas and checkpoints while idle."""

from __future__ import annotations

import shutil
import sqlite3
import time

import pytest
from waiting import wait_until

from kiosk.queueing.engine import QueueEngine
from kiosk.store import MIGRATIONS, Store, _split_sql


def _database_at_version_1(path) -> None:
    """A hall database as session 1's kiosks left it: counter table and all."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                 "applied_at TEXT NOT NULL)")
    version, description, script = MIGRATIONS[0]
    assert version == 1
    for statement in _split_sql(script):
        conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES (1, ?, '2026-11-26T01:00:00Z')", (description,))
    for number in (1, 2):
        conn.execute(
            "INSERT INTO tickets (queue_id, business_day, number, code, status, arrival_at, issued_at, updated_at) "
            "VALUES ('A', '2026-11-27', ?, ?, 'waiting', '2026-11-27T01:00:00.000Z', '2026-11-27T01:00:00.000Z', "
            "'2026-11-27T01:00:00.000Z')", (number, f"A{number:03d}"))
    conn.execute("INSERT INTO queue_counters VALUES ('A', '2026-11-27', 2)")
    conn.close()


def test_a_version_1_database_migrates_and_keeps_counting(tmp_path, clock):
    from kiosk.config import load_settings

    path = tmp_path / "hall.db"
    _database_at_version_1(path)
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert "queue_counters" not in store.db.table_names()
    engine = QueueEngine(load_settings(), store, clock)
    assert engine.issue("A").code == "A003"  # continues after the tickets drawn before the upgrade
    assert engine.issue("B").code == "B001"
    assert store.integrity_problems() == []


def test_tickets_reach_the_main_database_file_once_the_hall_is_quiet(tmp_path, clock):
    """A backup that copies only hall.db (not hall.db-wal) has every ticket after a quiet moment."""
    from kiosk.config import load_settings

    store = Store(tmp_path / "hall.db")
    engine = QueueEngine(load_settings(), store, clock)
    store.start_idle_checkpoints(quiet_seconds=0.2, poll_seconds=0.05)
    codes = [engine.issue("A").code for _ in range(30)]
    wait_until(lambda: store.checkpoint_stats.frames_copied > 0 and _tickets_in_main_file(tmp_path) == 30, 10, 0.02,
               "a checkpoint with all 30 tickets in the main file")
    copy = tmp_path / "copy.db"
    shutil.copyfile(tmp_path / "hall.db", copy)
    rows = sqlite3.connect(copy).execute("SELECT code FROM tickets ORDER BY number").fetchall()
    assert [code for (code,) in rows] == codes
    # Nothing new was written: the checkpointer does not keep re-running.
    runs = store.checkpoint_stats.runs
    time.sleep(0.4)
    assert store.checkpoint_stats.runs == runs
    store.close()


def test_checkpoints_still_run_when_the_wall_clock_is_behind_the_files(tmp_path, clock):
    """A kiosk without an RTC battery boots in the past, then NTP or staff fix the date."""
    import os

    from kiosk.config import load_settings

    store = Store(tmp_path / "hall.db")
    engine = QueueEngine(load_settings(), store, clock)
    for _ in range(10):
        engine.issue("A")
    wal = tmp_path / "hall.db-wal"
    a_day_ahead = time.time_ns() + 86_400 * 10**9
    os.utime(wal, ns=(a_day_ahead, a_day_ahead))  # written "tomorrow" as far as the clock knows
    store.start_idle_checkpoints(quiet_seconds=0.2, poll_seconds=0.05)
    wait_until(lambda: _tickets_in_main_file(tmp_path) == 10, 10, 0.02, "all 10 tickets in the main file")
    store.close()


def _tickets_in_main_file(folder) -> int:
    """Count tickets in a copy of the main file alone, as a file-level backup sees it."""
    probe = folder / "probe.db"
    shutil.copyfile(folder / "hall.db", probe)
    try:
        return sqlite3.connect(probe).execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    except sqlite3.Error:
        return -1
    finally:
        probe.unlink()
        for leftover in folder.glob("probe.db-*"):
            leftover.unlink()


def test_closing_the_store_stops_its_checkpointer(tmp_path):
    store = Store(tmp_path / "hall.db")
    store.start_idle_checkpoints(quiet_seconds=0.1, poll_seconds=0.05)
    checkpointer = store._checkpointer
    store.close()
    assert not checkpointer._thread.is_alive()


def test_backup_is_a_complete_standalone_copy_taken_while_tickets_are_drawn(tmp_path, clock):
    import threading

    from kiosk.config import load_settings

    store = Store(tmp_path / "hall.db")
    engine = QueueEngine(load_settings(), store, clock)
    for _ in range(20):
        engine.issue("A")
    # A second kiosk (another connection) keeps drawing while the manager backs up.
    kiosk_two = QueueEngine(load_settings(), Store(tmp_path / "hall.db"), clock)
    stop = threading.Event()
    drawn = []
    drawer = threading.Thread(target=lambda: [drawn.append(kiosk_two.issue("B").code) for _ in iter(stop.is_set, True)])
    drawer.start()
    try:
        target = store.backup_to(tmp_path)  # a folder: the file is named for the hall and the time
    finally:
        stop.set()
        drawer.join()
    assert target.parent == tmp_path and target.name.startswith("hall-") and target.suffix == ".db"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    # Standalone: no -wal beside it, opens read-only, passes the queue's own checks.
    assert not target.with_name(target.name + "-wal").exists()
    copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    codes = [code for (code,) in copy.execute("SELECT code FROM tickets WHERE queue_id = 'A' ORDER BY number")]
    b_count = copy.execute("SELECT COUNT(*) FROM tickets WHERE queue_id = 'B'").fetchone()[0]
    copy.close()
    assert codes == [f"A{n:03d}" for n in range(1, 21)]
    assert 0 <= b_count <= len(drawn)  # a consistent moment: some of the B tickets, gapless
    assert Store(target).integrity_problems() == []


def test_backup_never_overwrites_and_never_leaves_a_half_file(tmp_path):
    from kiosk.errors import StoreError

    store = Store(tmp_path / "hall.db")
    existing = tmp_path / "old-backup.db"
    existing.write_bytes(b"yesterday's backup")
    try:
        store.backup_to(existing)
        raise AssertionError("overwrote an existing backup")
    except StoreError as refused:
        assert "已存在" in refused.message_zh
    assert existing.read_bytes() == b"yesterday's backup"

    missing_stick = tmp_path / "usb" / "not-mounted" / "hall.db"
    try:
        store.backup_to(missing_stick)
        raise AssertionError("backed up into a folder that does not exist")
    except StoreError as failed:
        assert "备份没有成功" in failed.message_zh and "not-mounted" in failed.message_en
    assert not missing_stick.parent.exists() or not list(missing_stick.parent.iterdir())


def test_backup_paths_with_question_marks_and_hashes_copy_the_real_database(tmp_path, clock):
    from kiosk.config import load_settings

    hall = tmp_path / "halls?jiafeng#1"
    store = Store(hall / "hall.db")
    QueueEngine(load_settings(), store, clock).issue("A")
    stick = tmp_path / "usb#2?x"
    stick.mkdir()
    target = store.backup_to(stick / "hall#1.db")
    copy = sqlite3.connect(target.resolve().as_uri() + "?mode=ro", uri=True)
    assert copy.execute("SELECT code FROM tickets").fetchall() == [("A001",)]
    copy.close()
    assert sorted(p.name for p in stick.iterdir()) == ["hall#1.db"]  # nothing stray beside it
    assert not (tmp_path / "halls").exists()


def test_backups_racing_for_one_name_leave_one_good_file_and_no_partials(tmp_path, clock):
    import threading

    from kiosk.config import load_settings
    from kiosk.errors import StoreError

    store = Store(tmp_path / "hall.db")
    QueueEngine(load_settings(), store, clock).issue("A")
    target = tmp_path / "usb" / "hall-backup.db"
    target.parent.mkdir()
    outcomes: list[str] = []

    def back_up() -> None:
        try:
            store.backup_to(target)
            outcomes.append("ok")
        except StoreError as refused:
            outcomes.append(refused.message_zh)

    racers = [threading.Thread(target=back_up) for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert outcomes.count("ok") == 1
    assert all(o == "ok" or o == "备份文件已存在，请换一个文件名" for o in outcomes), outcomes
    assert [p.name for p in target.parent.iterdir()] == ["hall-backup.db"]
    assert Store(target).integrity_problems() == []


# --- migrations that rebuild a table (sqlite-utils' transform_sql, inside our transaction) ---

def _rename_window_stamp(db):
    # Rename a column and change a type: SQLite needs a table rebuild for the second.
    return db["window_state"].transform_sql(rename={"updated_at": "changed_at"}, types={"paused": int})


def _columns(store: Store, table: str) -> list[str]:
    with store.read() as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_a_table_rebuild_migration_keeps_rows_indexes_and_other_tables_triggers(tmp_path, clock):
    from kiosk.config import load_settings

    store = Store(tmp_path / "hall.db")
    engine = QueueEngine(load_settings(), store, clock)
    engine.issue("A")
    engine.call_next(2)
    before = len(MIGRATIONS)

    version = store.migrate(MIGRATIONS + ((before + 1, "test: rebuild window_state", _rename_window_stamp),))

    assert version == before + 1
    assert "changed_at" in _columns(store, "window_state") and "updated_at" not in _columns(store, "window_state")
    with store.read() as conn:
        assert conn.execute("SELECT current_ticket_id FROM window_state WHERE window_number = 2").fetchone()[0] == 1
        triggers = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"events_append_only_update", "events_append_only_delete"} <= triggers
    assert store.integrity_problems() == []
    store.close()


def test_a_migration_that_fails_half_way_leaves_the_database_as_it_was(tmp_path):
    store = Store(tmp_path / "hall.db")
    before = len(MIGRATIONS)

    def rebuild_then_fail(db):
        return [*_rename_window_stamp(db), "INSERT INTO no_such_table VALUES (1)"]

    with pytest.raises(sqlite3.OperationalError):
        store.migrate(MIGRATIONS + ((before + 1, "test: fails after a rebuild", rebuild_then_fail),))

    assert store.schema_version() == before
    assert "updated_at" in _columns(store, "window_state") and "changed_at" not in _columns(store, "window_state")
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the attempt
    store.close()


def test_the_lapsed_status_migration_keeps_every_drop_off_row_and_index(tmp_path, monkeypatch):
    """Migration 11 rebuilds the dropoffs table to allow 'lapsed': a hall upgraded with cases
    in it keeps them as they were, the indexes and the other tables' references."""
    import kiosk.store

    path = tmp_path / "hall.db"
    version_11 = next(i for i, m in enumerate(MIGRATIONS) if m[0] == 11)
    monkeypatch.setattr(kiosk.store, "MIGRATIONS", MIGRATIONS[:version_11])
    old = Store(path)
    assert old.schema_version() == 10
    with old.write() as conn:
        conn.execute("INSERT INTO dropoffs (code, matter_id, matter_name, status, holder_lookup, holder_sealed,"
                     " page_count, materials, submitted_at, updated_at) VALUES ('K7M2P9QX', 'm', '事项', 'correction',"
                     " 'h', 's', 1, '[]', '2026-11-28T19:30:00+08:00', '2026-11-30T09:30:00+08:00')")
        conn.execute("INSERT INTO dropoff_pages (dropoff_id, page_number, material_index, material_name, blob,"
                     " width, height, size_bytes) VALUES (1, 1, 0, '户口簿', 'b1', 10, 10, 100)")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE dropoffs SET status = 'lapsed'")
    old.close()
    monkeypatch.setattr(kiosk.store, "MIGRATIONS", MIGRATIONS)

    store = Store(path)
    assert store.schema_version() == MIGRATIONS[-1][0]
    with store.write() as conn:
        conn.execute("UPDATE dropoffs SET status = 'lapsed' WHERE code = 'K7M2P9QX'")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE dropoffs SET status = 'gone'")
    with store.read() as conn:
        assert [tuple(r) for r in conn.execute("SELECT id, status, page_count FROM dropoffs")] == [(1, "lapsed", 1)]
        assert conn.execute("SELECT blob FROM dropoff_pages WHERE dropoff_id = 1").fetchone()[0] == "b1"
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                                   " AND tbl_name = 'dropoffs' AND sql IS NOT NULL")}
    assert indexes == {"dropoffs_by_holder", "dropoffs_by_status", "dropoffs_closed"}
    assert store.integrity_problems() == []
    store.close()

"""The kiosk purges expired personal data by itself: at start and once per business day."""

from __future__ import annotations

from waiting import wait_until

from kiosk.maintenance import DailyPurge

ID_NUMBER = "140521195001011234"


def _holder_links(engine) -> int:
    return engine.store.conn.execute("SELECT COUNT(*) FROM tickets WHERE holder_hash IS NOT NULL").fetchone()[0]


def test_holder_links_are_cleared_without_anyone_running_a_command(engine, clock):
    engine.issue("A", holder_id_number=ID_NUMBER)
    retention = engine.settings.storage.retention_days
    purge = DailyPurge(engine.settings, engine.store, clock, check_seconds=0.05)
    purge.start()
    try:
        wait_until(lambda: purge.last_purged_day is not None, 10, 0.01, "the start-up purge")
        assert purge.last_purged_day == "2026-11-27" and _holder_links(engine) == 1  # still within retention
        clock.advance(days=retention + 1)  # the kiosk kept running for half a year
        wait_until(lambda: purge.last_purged_day != "2026-11-27", 10, 0.01, "the next business day's purge")
        assert _holder_links(engine) == 0
    finally:
        purge.stop()
    purges = engine.store.conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'retention_purge'").fetchone()[0]
    assert purges == 2  # once per business day, not once per check


def test_purge_runs_once_a_day_and_retries_after_a_failure(engine, clock, caplog):
    purge = DailyPurge(engine.settings, engine.store, clock)
    assert purge.run_if_due() is not None
    assert purge.run_if_due() is None  # same business day: nothing to do
    clock.advance(days=1)
    engine.store.conn.execute("PRAGMA query_only = ON")  # the database refuses writes (read-only disk)
    assert purge.run_if_due() is None
    assert purge.last_purged_day == "2026-11-27"  # not marked done
    assert "retention purge failed" in caplog.text
    engine.store.conn.execute("PRAGMA query_only = OFF")
    assert purge.run_if_due() is not None and purge.last_purged_day == "2026-11-28"

"""The kiosk purges expired personal data by itself: at start and once per business day."""

from __future__ import annotations

from waiting import wait_until

from kiosk.maintenance import DailyPurge

ID_NUMBER = "140521195001011234"
OTHER_ID_NUMBER = "140521196203041235"


def _holder_links(engine) -> int:
    return engine.store.conn.execute("SELECT COUNT(*) FROM tickets WHERE holder_hash IS NOT NULL").fetchone()[0]


def _wait_until(condition) -> None:
    wait_until(condition, 10, 0.01, "the purge thread to get there")


def test_holder_links_are_cleared_without_anyone_running_a_command(engine, clock):
    engine.issue("A", holder_id_number=ID_NUMBER)
    purge = DailyPurge(engine.settings, engine.store, clock, check_seconds=0.05)
    purge.start()
    try:
        _wait_until(lambda: purge.last_purged_day == "2026-11-27")
        assert _holder_links(engine) == 1  # today's: the one-ticket rule still needs it
        clock.advance(days=3)  # Monday morning; the kiosk ran through the weekend
        _wait_until(lambda: purge.last_purged_day == "2026-11-30")
        # No ticket yet today, so Friday cannot be told apart from a clock that jumped ahead.
        assert _holder_links(engine) == 1
        engine.issue("A", holder_id_number=OTHER_ID_NUMBER)  # Monday's first citizen
        _wait_until(lambda: purge.last_cutoff == "2026-11-30")
        assert _holder_links(engine) == 1  # Friday's hash is gone, Monday's stays
    finally:
        purge.stop()
    purges = engine.store.conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'retention_purge'").fetchone()[0]
    assert purges == 3  # at start, on the new day, at its first ticket: not once per check


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

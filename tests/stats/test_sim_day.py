"""`kiosk sim day`: simulated hall days through the real engine, into a database the reports read."""

from __future__ import annotations

import datetime as dt
import sqlite3

from kiosk.cli import main
from kiosk.demo import ARRIVAL_PROFILES, parse_profile, simulate_days
from kiosk.root.hall import open_hall


def test_a_simulated_day_goes_through_the_engine_and_keeps_its_invariants(settings, tmp_path):
    database = tmp_path / "sim.db"
    [day] = simulate_days(settings, open_hall, dt.date(2026, 11, 27), 1, database, seed=3)
    assert 40 <= len(day.issued) <= 110 and day.ratings > 5 and day.dropoffs == 3
    with sqlite3.connect(database) as conn:
        statuses = dict(conn.execute("SELECT status, COUNT(*) FROM tickets GROUP BY status").fetchall())
        kinds = {row[0] for row in conn.execute("SELECT DISTINCT kind FROM events")}
        staff = {row[0] for row in conn.execute("SELECT DISTINCT staff FROM ratings WHERE ticket_id IS NOT NULL")}
    assert statuses.get("finished", 0) > 0.8 * len(day.issued) and "waiting" not in statuses
    assert {"issue", "call", "start", "finish"} <= kinds
    assert staff <= {"zhaomin", "lina", "wangfang"}
    # Morning peak: more numbers before noon than after.
    hall = open_hall(settings, database=database, enforce_hours=False)
    try:
        assert hall.store.integrity_problems() == []
        tickets = hall.engine.tickets(day="2026-11-27")
        morning = sum(1 for t in tickets if t.issued_at.hour < 12)
        assert morning > len(tickets) - morning
    finally:
        hall.close()


def test_the_same_seed_gives_the_same_day(settings, tmp_path):
    first = simulate_days(settings, open_hall, dt.date(2026, 11, 27), 1, tmp_path / "a.db", seed=5)[0]
    second = simulate_days(settings, open_hall, dt.date(2026, 11, 27), 1, tmp_path / "b.db", seed=5)[0]
    assert [(t.queue_id, t.people_ahead) for t in first.issued] == [(t.queue_id, t.people_ahead) for t in second.issued]


def test_profiles_by_name_or_by_hour():
    assert parse_profile(None) == ARRIVAL_PROFILES["typical"]
    assert parse_profile("8=3,9=4.5") == {8: 3.0, 9: 4.5}


def test_the_command_skips_closed_days_and_writes_its_database(tmp_path, capsys):
    database = tmp_path / "hall.db"
    code = main(["sim", "day", "--date", "2026-11-27", "--days", "2", "--db", str(database), "--arrivals", "quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "2026-11-27：取号" in out and "2026-11-28 不办公" in out
    assert database.exists() and (tmp_path / "hall.db.data" / "dropoff.key").exists()
    assert main(["sim", "day", "--date", "2026-11-27", "--db", str(database), "--arrivals", "9=x"]) == 1

"""The wait shown at issue against the wait that followed, on simulated hall days.

For every ticket of `--days` simulated working days (kiosk sim day's machinery,
the real engine and estimator): the midpoint of the range shown at issue, and
the naive "people ahead × the queue's norm minutes", each against the actual wait
(issued → called). Prints the mean absolute errors, their ratio, and the share of
tickets whose actual wait fell inside the shown range. Targets: the estimate's
error at most 60 % of the naive one, at least 80 % inside the range.

    .venv/bin/python bench/estimate_bench.py [--days 20] [--seed 1] [--arrivals typical]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.base.clock import from_stamp  # noqa: E402
from kiosk.config import load_settings  # noqa: E402
from kiosk.demo import parse_profile, simulate_days  # noqa: E402
from kiosk.root.hall import open_hall  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20, help="working days to simulate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--arrivals", default="typical")
    parser.add_argument("--speed", action="store_true", help="only time one estimate at 20 and 200 waiting")
    args = parser.parse_args()
    if args.speed:
        return speed()
    with tempfile.TemporaryDirectory(prefix="estimate-bench-") as tmp:
        # Keys and scans of the simulated hall stay in the throw-away folder, never the hall's own.
        os.environ["KIOSK_DATA_DIR"] = str(Path(tmp) / "data")
        settings = load_settings()
        database = Path(tmp) / "bench.db"
        # Working days from Monday 2026-11-02: calendar days enough to hold --days of them.
        first, results = dt.date(2026, 11, 2), []
        span = args.days * 7 // 5 + 7
        results = [r for r in simulate_days(settings, open_hall, first, span, database, args.seed,
                                            parse_profile(args.arrivals), dropoffs=0) if r.issued][:args.days]
        with sqlite3.connect(database) as conn:
            called = dict(conn.execute("SELECT id, called_at FROM tickets WHERE called_at IS NOT NULL"))
            issued_at = dict(conn.execute("SELECT id, issued_at FROM tickets"))
    shown_err, naive_err, naive_per_window_err, inside, n = 0.0, 0.0, 0.0, 0, 0
    by_basis: dict[str, list[float]] = {}
    for day in results:
        for t in day.issued:
            if t.ticket_id not in called or t.estimate_low is None:
                continue  # a no-show's number that was never called, or no open window
            actual = (from_stamp(called[t.ticket_id]) - from_stamp(issued_at[t.ticket_id])).total_seconds() / 60
            midpoint = (t.estimate_low + t.estimate_high) / 2
            shown_err += abs(midpoint - actual)
            naive_err += abs(t.people_ahead * t.norm_minutes - actual)
            naive_per_window_err += abs(t.people_ahead * t.norm_minutes / max(t.open_windows, 1) - actual)
            inside += t.estimate_low <= actual <= t.estimate_high
            n += 1
    print(f"{len(results)} simulated days ({args.arrivals}), {n} tickets called")
    print(f"mean absolute error, shown range midpoint : {shown_err / n:6.2f} min")
    print(f"mean absolute error, naive ahead × norm   : {naive_err / n:6.2f} min")
    print(f"mean absolute error, ahead × norm ÷ windows: {naive_per_window_err / n:6.2f} min")
    ratio = shown_err / naive_err
    print(f"shown / naive                              : {ratio:6.1%}  (target ≤ 60 %)")
    print(f"actual wait inside the shown range         : {inside / n:6.1%}  (target ≥ 80 %)")
    return 0


def speed() -> int:
    """The estimator's cost per issue with 20 and 200 tickets waiting (A and C, a few elderly)."""
    import dataclasses
    import time

    from devices.base.clock import HALL_TZ, ManualClock
    from kiosk.queueing.engine import QueueEngine
    from kiosk.store import Store

    with tempfile.TemporaryDirectory(prefix="estimate-speed-") as tmp:
        os.environ["KIOSK_DATA_DIR"] = str(Path(tmp) / "data")
        settings = load_settings()
        settings = dataclasses.replace(settings, queues=tuple(dataclasses.replace(q, daily_cap=9999)
                                                              for q in settings.queues))
        for depth in (20, 200):
            clock = ManualClock(dt.datetime(2026, 11, 27, 8, 30, tzinfo=HALL_TZ))
            engine = QueueEngine(settings, Store(Path(tmp) / f"speed{depth}.db"), clock)
            for i in range(depth):
                engine.issue("A" if i % 3 else "C", "elderly" if i % 7 == 0 else "normal")
                clock.advance(seconds=20)
            for window in (1, 2, 3):
                engine.call_next(window)
            queue, day = settings.queue("A"), engine.today()
            with engine.store.read() as conn:
                for ahead in (0, depth // 2):
                    runs, t0 = 300, time.perf_counter()
                    for _ in range(runs):
                        engine.estimator.estimate(conn, queue, day, ahead, clock.now())
                    per = (time.perf_counter() - t0) / runs * 1000
                    print(f"estimate, {depth} waiting, {ahead:3d} ahead at {clock.now():%H:%M}: {per:6.3f} ms")
            engine.store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

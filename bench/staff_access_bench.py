"""Staff PIN check: how long the staff corner takes to answer a PIN (salted scrypt).

    .venv/bin/python bench/staff_access_bench.py [--rounds 20]

Target: a right PIN answered in under 0.2 s on the hall box. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="staff-bench-") as folder:
        os.environ["KIOSK_DATA_DIR"] = folder
        from devices.base.clock import SystemClock
        from kiosk.config import load_settings
        from kiosk.root.hall import open_hall

        hall = open_hall(load_settings(), SystemClock(), enforce_hours=False)
        hall.staff_access.set_pin("246810")
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            assert hall.staff_access.check("246810").ok
            times.append((time.perf_counter() - started) * 1000)
        hall.close()
    times.sort()
    print(f"PIN check, {args.rounds} rounds: median {statistics.median(times):.0f} ms, "
          f"p95 {times[min(len(times) - 1, int(0.95 * len(times)))]:.0f} ms (target < 200 ms)")


if __name__ == "__main__":
    main()

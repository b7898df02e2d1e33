"""Run by test_multiprocess.py in a separate process: issue N tickets on a shared file.

Prints one issued code per line. All workers wait for a start file so they really
contend for the database at the same moment. With N = 0 it issues until killed,
printing (and flushing) each code as soon as `issue` has returned: a code on
stdout is a number a citizen was told.
"""

import dataclasses
import datetime as dt
import sys
import time
from pathlib import Path

from devices.base.clock import HALL_TZ, ManualClock
from kiosk.config import load_settings
from kiosk.queueing.engine import QueueEngine
from kiosk.store import Store


def main() -> None:
    db_path, count, worker, go_file = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    settings = load_settings()
    settings = dataclasses.replace(settings, queues=tuple(dataclasses.replace(q, daily_cap=9999) for q in settings.queues))
    engine = QueueEngine(settings, Store(db_path), ManualClock(dt.datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)))
    deadline = time.monotonic() + 30
    while not go_file.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    if count == 0:
        engine.store.start_idle_checkpoints(quiet_seconds=0.05, poll_seconds=0.02)
        i = 0
        while True:
            queue = "A" if (i + worker) % 2 == 0 else "B"
            sys.stdout.write(engine.issue(queue, channel=f"worker{worker}").code + "\n")
            sys.stdout.flush()
            i += 1
            if i % 50 == 0:
                time.sleep(0.1)  # a quiet moment now and then, so checkpoints run and get killed too
    codes = []
    for i in range(count):
        queue = "A" if (i + worker) % 2 == 0 else "B"
        codes.append(engine.issue(queue, channel=f"worker{worker}").code)
    sys.stdout.write("\n".join(codes) + "\n")


if __name__ == "__main__":
    main()

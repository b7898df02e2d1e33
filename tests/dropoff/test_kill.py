"""A submission killed at a random point, 20 times: afterwards each one is whole or absent.

SIGKILL is not a power cut (the kernel still writes what was written), so this
proves the order of the steps: files sealed and fsynced, then one transaction,
then the intent removed; the start-up sweep removes what a dead submission left.
"""

from __future__ import annotations

import io
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pikepdf
import pytest

from waiting import wait_until

WORKER = Path(__file__).with_name("submit_worker.py")
pytestmark = pytest.mark.slow


def _run_and_kill(rng: random.Random, env: dict) -> list[str]:
    worker = subprocess.Popen([sys.executable, str(WORKER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.strip() for line in worker.stdout), daemon=True)
    reader.start()
    try:
        def second_begun() -> bool:
            assert worker.poll() is None, worker.stderr.read()
            return "BEGIN 1" in lines

        wait_until(second_begun, 60, 0.002, "the worker's second submission")
        first_took = float(next(line for line in lines if line.startswith("COMMITTED")).split()[2])
        # Anywhere inside the second submission (and now and then just after it).
        threading.Event().wait(rng.uniform(0, first_took * 1.2))
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        reader.join(timeout=10)
    return [line.split()[1] for line in lines if line.startswith("COMMITTED")]


def test_submissions_killed_at_random_points_are_whole_or_absent(settings, data_dir, tmp_path):
    import os

    from devices.base.clock import SystemClock
    from kiosk.root.hall import open_hall

    env = dict(os.environ)
    rng = random.Random(20261203)
    shown: list[str] = []
    for _round in range(20):
        shown += _run_and_kill(rng, env)

        hall = open_hall(settings, SystemClock(), enforce_hours=False)  # the start-up sweep runs here
        try:
            assert hall.store.integrity_problems() == []
            stored = {view.code: view for view in hall.dropoff.list(None)}
            assert set(shown) <= set(stored), "a code shown on a receipt is missing"
            referenced = set()
            with hall.store.query() as conn:
                referenced |= {r[0] for r in conn.execute("SELECT blob FROM dropoff_pages")}
                referenced |= {r[0] for r in conn.execute("SELECT pdf_blob FROM dropoffs")}
            on_disk = hall.dropoff.blobs.names_on_disk()
            assert on_disk == referenced, f"{len(on_disk - referenced)} orphan file(s), " \
                                          f"{len(referenced - on_disk)} missing"
            assert not list((data_dir / "scans").glob("??/.*.part"))
            assert not list((data_dir / "scans" / ".incoming").glob("*.intent"))
        finally:
            hall.close()

    hall = open_hall(settings, SystemClock(), enforce_hours=False)
    try:
        views = hall.dropoff.list(None)
        assert len(views) >= 20
        for view in views:  # every submission there is complete
            assert view.page_count == 5
            for number in range(1, 6):
                assert hall.dropoff.page(view.code, number)[:2] == b"\xff\xd8"
            with pikepdf.open(io.BytesIO(hall.dropoff.pdf(view.code))) as pdf:
                assert len(pdf.pages) == 5
    finally:
        hall.close()

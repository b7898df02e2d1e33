"""Two uvicorn worker processes of `kiosk serve --workers 2` never hand out the same number.

GIVEN the real server on loopback with two workers over one hall database (open round
the clock), WHEN four threads take 200 numbers through POST /api/kiosk/tickets, a new
connection for each so that either worker may take each, THEN every number told is in the
database once, and no (queue, day, number) is there twice.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hall_server import round_the_clock_config

from kiosk.config import load_settings
from kiosk.root.hall import open_hall

ROOT = Path(__file__).resolve().parents[2]
TICKETS, THREADS = 200, 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_two_workers_never_issue_the_same_number(tmp_path, monkeypatch):
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT),
           "KIOSK_CONFIG": str(round_the_clock_config(tmp_path / "hall.toml"))}
    settings = load_settings(env["KIOSK_CONFIG"])
    monkeypatch.setenv("KIOSK_DATA_DIR", env["KIOSK_DATA_DIR"])  # the hall opened here is the server's
    hall = open_hall(settings)
    try:
        _device, token = hall.kiosk_devices.add("kiosk-2")
    finally:
        hall.close()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--workers", "2", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 25
        while len(worker_pids(server.pid)) < 2 or not _healthy(base):
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        workers = set(worker_pids(server.pid))
        assert len(workers) >= 2

        def take(i: int) -> dict:
            queue = "ABC"[i % 3]
            # No keep-alive: each request is a new connection, accepted by whichever worker is free.
            with httpx.Client(base_url=base, timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as c:
                response = c.post("/api/kiosk/tickets", json={"queue": queue},
                                  headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 201, response.text
            return response.json()

        with ThreadPoolExecutor(THREADS) as pool:
            told = list(pool.map(take, range(TICKETS)))
        assert set(worker_pids(server.pid)) == workers  # no worker died and was replaced meanwhile
    finally:
        server.terminate()
        server.wait(15)

    assert len({t["ticket_id"] for t in told}) == TICKETS
    assert len({(t["queue"], t["business_day"], t["code"]) for t in told}) == TICKETS
    hall = open_hall(settings)
    try:
        with hall.store.read() as conn:
            rows = conn.execute("SELECT id, queue_id, business_day, number, code FROM tickets").fetchall()
            twice = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM tickets GROUP BY queue_id, business_day, "
                                 "number HAVING COUNT(*) > 1)").fetchone()[0]
    finally:
        hall.close()
    assert twice == 0
    stored = {row["id"]: (row["queue_id"], row["business_day"], row["code"]) for row in rows}
    assert {t["ticket_id"]: (t["queue"], t["business_day"], t["code"]) for t in told} == stored
    for key in {(row["queue_id"], row["business_day"]) for row in rows}:  # 1..n without a gap
        numbers = sorted(row["number"] for row in rows if (row["queue_id"], row["business_day"]) == key)
        assert numbers == list(range(1, len(numbers) + 1)), key


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False

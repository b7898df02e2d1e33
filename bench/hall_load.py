"""The hall server under a whole hall's load, over loopback, at 1 and at 2 worker processes.

    .venv/bin/python bench/hall_load.py [--seconds 60 | --quick] [--workers 1 2]

For each worker count: a fresh data folder and a hall open round the clock (10
windows, caps 9999), `kiosk serve --workers N` started for real (uvicorn, HTTP on
127.0.0.1), then for --seconds:

  4 kiosks    POST /api/kiosk/tickets with their device tokens, as fast as answered
  10 counters each logged in as its own staff member: POST /api/windows/N/call, then
              /finish; with nobody waiting, the refusal is counted apart and the
              counter waits 50 ms
  2 displays  GET /api/live (SSE); the delay from a call's answer at the counter to
              the display seeing that call is measured ("call -> display")

Prints p50/p99 per operation, operations per second (every answered request), and
checks the database after the server stopped: every number a kiosk was told is
there with its queue, day and code (none lost), and no (queue, day, number) is
there twice. Targets are printed beside the figures, not asserted: p99 < 25 ms for
issue and call, >= 500 ops/s, 0 duplicates. The clients run in this process (one
asyncio loop, httpx): on a 2-core box they take CPU from the server, so the figures
are those of the whole box under this load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hall_server import round_the_clock_config  # noqa: E402

KIOSKS, COUNTERS, DISPLAYS = 4, 10, 2
PASSWORD = "Bench-hall-2026"
TARGET_P99_MS, TARGET_OPS = 25.0, 500.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="10 seconds per worker count")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    seconds = 10.0 if args.quick else args.seconds
    print(f"hall load: {KIOSKS} kiosks, {COUNTERS} counters, {DISPLAYS} displays, {seconds:.0f} s per run; "
          f"{os.cpu_count()} cores")
    failed = False
    for workers in args.workers:
        with tempfile.TemporaryDirectory(prefix="hall-load-") as folder:
            failed |= not run(Path(folder), workers, seconds)
    return 1 if failed else 0


# -- one run -----------------------------------------------------------------------------------------
def run(folder: Path, workers: int, seconds: float) -> bool:
    config = round_the_clock_config(folder / "hall.toml", windows=COUNTERS, daily_cap=9999)
    data = folder / "data"
    env = {**os.environ, "KIOSK_CONFIG": str(config), "KIOSK_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    tokens, staff = prepare_hall(env)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--workers", str(workers), "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server)
        load = asyncio.run(drive(base, tokens, staff, seconds, lambda: tree_cpu_seconds(server.pid)))
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    errors = server.stderr.read() if server.stderr else ""
    check = check_database(data / "kiosk.sqlite3" if (data / "kiosk.sqlite3").exists() else find_db(data),
                           load["told"])
    report(workers, seconds, load, check, errors)
    return check["lost"] == 0 and check["twice"] == 0 and not load["unexpected"]


def prepare_hall(env: dict) -> tuple[list[str], list[str]]:
    """Accounts and devices, made in a child process over the same settings (as `kiosk` would)."""
    script = f"""
import json
from kiosk.config import load_settings
from kiosk.root.hall import open_hall
hall = open_hall(load_settings())
manager = hall.accounts.create_manager("bench-manager", {PASSWORD!r})
staff = [hall.accounts.create_account(manager, f"counter{{n:02d}}", {PASSWORD!r}, "window_staff").username
         for n in range(1, {COUNTERS} + 1)]
tokens = [hall.kiosk_devices.add(f"kiosk-{{n}}")[1] for n in range(1, {KIOSKS} + 1)]
hall.close()
print(json.dumps({{"staff": staff, "tokens": tokens}}))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    made = json.loads(out.stdout.strip().splitlines()[-1])
    return made["tokens"], made["staff"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start in 30 s")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the server and its worker processes so far (Linux /proc; 0 elsewhere).

    Divided by the operations served it gives the server's CPU per operation, a figure
    that, unlike latency, hardly moves when other work shares the box."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, ValueError, IndexError):
            continue
    return total


# -- the simulated hall --------------------------------------------------------------------------------
async def drive(base: str, tokens: list[str], staff: list[str], seconds: float,
                server_cpu=lambda: 0.0) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    told: list[dict] = []
    refused: dict[str, int] = defaultdict(int)
    unexpected: list[str] = []
    called_at: dict[tuple[int, str], float] = {}
    display_delay: list[float] = []
    display_events = [0] * DISPLAYS
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def timed(name: str, request) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await request
        except httpx.HTTPError as exc:
            unexpected.append(f"{name}: {type(exc).__name__} {exc}")
            return None
        latencies[name].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 500:
            unexpected.append(f"{name}: {response.status_code} {response.text[:200]}")
        return response

    async def kiosk(n: int, token: str, until: float) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits,
                                     headers={"Authorization": f"Bearer {token}"}) as c:
            i = n
            while time.perf_counter() < until:
                queue = "ABC"[i % 3]
                i += 1
                response = await timed("issue", c.post("/api/kiosk/tickets", json={"queue": queue}))
                if response is None:
                    continue
                if response.status_code == 201:
                    told.append(response.json())
                elif response.status_code < 500:
                    refused[f"issue {response.json().get('error')}"] += 1

    async def log_in(username: str) -> httpx.AsyncClient:
        c = httpx.AsyncClient(base_url=base, timeout=30, limits=limits)
        await c.get("/staff")  # the CSRF cookie before login
        login = await c.post("/api/login", json={"username": username, "password": PASSWORD},
                             headers={"X-CSRF-Token": c.cookies["qx_csrf"]})
        login.raise_for_status()
        return c

    async def counter(window: int, client: httpx.AsyncClient, until: float) -> None:
        c = client
        try:
            headers = {"X-CSRF-Token": c.cookies["qx_csrf"]}
            while time.perf_counter() < until:
                started = time.perf_counter()
                response = await c.post(f"/api/windows/{window}/call", headers=headers)
                took = (time.perf_counter() - started) * 1000
                if response.status_code == 200:
                    latencies["call"].append(took)
                    called_at[(window, response.json()["ticket"]["code"])] = time.perf_counter()
                    await timed("finish", c.post(f"/api/windows/{window}/finish", headers=headers))
                elif response.status_code == 409:
                    latencies["call (nobody waiting)"].append(took)
                    await asyncio.sleep(0.05)
                else:
                    unexpected.append(f"call: {response.status_code} {response.text[:200]}")
        finally:
            await c.aclose()

    async def display(n: int, until: float) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30, read=None)) as c:
            try:
                async with c.stream("GET", "/api/live") as stream:
                    event = ""
                    async for line in stream.aiter_lines():
                        if line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:") and event == "change":
                            seen = time.perf_counter()
                            display_events[n] += 1
                            for call in json.loads(line[5:]).get("calls", []):
                                at = called_at.get((call["window"], call["code"]))
                                if at is not None and n == 0:
                                    display_delay.append(max(0.0, seen - at) * 1000)
                        if time.perf_counter() >= until:
                            return
            except httpx.HTTPError as exc:
                unexpected.append(f"display: {type(exc).__name__} {exc}")

    # The logins first (scrypt: ~0.1 s of CPU each), so the measured seconds hold the hall's work only.
    clients = [await log_in(name) for name in staff]
    cpu_before = server_cpu()
    started = time.perf_counter()
    until = started + seconds
    displays = [asyncio.ensure_future(display(n, until + 1.0)) for n in range(DISPLAYS)]
    await asyncio.gather(*[kiosk(n, token, until) for n, token in enumerate(tokens)],
                         *[counter(n + 1, client, until) for n, client in enumerate(clients)])
    cpu = server_cpu() - cpu_before
    elapsed = time.perf_counter() - started  # the requests' time: the displays' tail is not counted
    await asyncio.wait(displays, timeout=5.0)
    for task in displays:
        task.cancel()
    return {"latencies": latencies, "told": told, "refused": refused, "unexpected": unexpected,
            "display_delay": display_delay, "display_events": display_events, "elapsed": elapsed,
            "server_cpu": cpu}


# -- after the run ---------------------------------------------------------------------------------------
def find_db(data: Path) -> Path:
    found = sorted(data.glob("*.sqlite3")) + sorted(data.glob("*.db"))
    if not found:
        raise SystemExit(f"no database file in {data}")
    return found[0]


def check_database(path: Path, told: list[dict]) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = {row[0]: row[1:] for row in conn.execute("SELECT id, queue_id, business_day, code FROM tickets")}
        twice = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE origin_ticket_id IS NULL "
                             "GROUP BY queue_id, business_day, number HAVING COUNT(*) > 1)").fetchone()[0]
        finished = conn.execute("SELECT COUNT(*) FROM tickets WHERE status = 'finished'").fetchone()[0]
    finally:
        conn.close()
    lost = sum(1 for t in told if rows.get(t["ticket_id"]) != (t["queue"], t["business_day"], t["code"]))
    told_twice = len(told) - len({(t["queue"], t["business_day"], t["code"]) for t in told})
    return {"stored": len(rows), "lost": lost, "twice": twice + told_twice, "finished": finished,
            "not_told": len(rows) - len(told)}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(workers: int, seconds: float, load: dict, check: dict, errors: str) -> None:
    elapsed = load["elapsed"]
    total = sum(len(v) for v in load["latencies"].values())
    print(f"\n== {workers} worker{'s' if workers > 1 else ''}, {elapsed:.1f} s ==")
    print(f"{'operation':<24}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}   target")
    for name in ("issue", "call", "finish", "call (nobody waiting)"):
        values = load["latencies"].get(name, [])
        target = f"p99 < {TARGET_P99_MS:.0f} ms" if name in ("issue", "call") else ""
        if target:
            target += "  ok" if percentile(values, 99) < TARGET_P99_MS else "  MISSED"
        print(f"{name:<24}{len(values):>8}{len(values) / elapsed:>9.1f}{percentile(values, 50):>9.1f}"
              f"{percentile(values, 99):>9.1f}   {target}")
    delay = load["display_delay"]
    print(f"{'call -> display (SSE)':<24}{len(delay):>8}{'':>9}{percentile(delay, 50):>9.1f}{percentile(delay, 99):>9.1f}"
          f"   change events per display: {load['display_events']}")
    ops = total / elapsed
    print(f"operations per second: {ops:.0f}   target >= {TARGET_OPS:.0f}  {'ok' if ops >= TARGET_OPS else 'MISSED'}")
    if load.get("server_cpu") and total:
        print(f"server CPU: {load['server_cpu']:.1f} s in {elapsed:.1f} s, {load['server_cpu'] * 1000 / total:.2f} ms "
              f"per operation (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"database: {check['stored']} tickets, {check['finished']} finished; told to kiosks {len(load['told'])}, "
          f"lost {check['lost']}, issued twice {check['twice']} (target 0: "
          f"{'ok' if check['twice'] == 0 and check['lost'] == 0 else 'FAILED'}), in the database but never told "
          f"{check['not_told']}")
    if load["refused"]:
        print("refusals: " + ", ".join(f"{k} {v}" for k, v in sorted(load["refused"].items())))
    if load["unexpected"]:
        print(f"UNEXPECTED ({len(load['unexpected'])}): " + "; ".join(load["unexpected"][:5]))
    if errors.strip():
        print("server stderr (last lines):\n  " + "\n  ".join(errors.strip().splitlines()[-5:]))


if __name__ == "__main__":
    sys.exit(main())

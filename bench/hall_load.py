"""The hall server under a whole hall's load, over loopback, at 1 and at 2 worker processes.

    .venv/bin/python bench/hall_load.py [--seconds 60 | --quick] [--workers 1 2]
                                        [--mode closed|open|both] [--rate 500] [--client raw|httpx]

For each worker count and mode: a fresh data folder and a hall open round the clock
(10 windows, caps 9999), `kiosk serve --workers N` started for real (uvicorn, HTTP on
127.0.0.1), then for --seconds (after 2 s of the same load, not measured: connections,
threads and caches warm up, and all clients start at once):

  4 kiosks    POST /api/kiosk/tickets with their device tokens
  10 counters each logged in as its own staff member: POST /api/windows/N/call, then
              /finish; with nobody waiting, the refusal is counted apart
  2 displays  GET /api/live (SSE); the delay from a call's answer at the counter to
              the display seeing that call is measured ("call -> display")

Two ways to offer that load:

  closed  each kiosk and counter sends its next request as soon as the last one is
          answered (a counter with nobody waiting pauses 50 ms). This finds the
          throughput the box reaches, but its latencies are those of 14 clients
          queued on the server: p99 is about 14 x the service time whatever the
          capacity, so it says nothing about the p99 target.
  open    the hall offers a fixed rate (--rate operations/s in all): the kiosks draw
          a third of it, the counters two thirds (call, finish, call, ...), each
          client on its own fixed schedule (random phase). Latency runs from the
          time a request was *scheduled*, not from when it was sent, so a request
          held up behind a slow one counts its wait ("coordinated omission"). Before
          the measured seconds the kiosks draw --waiting tickets (20), so the
          counters find someone waiting. A client more than 5 s behind its schedule stops.

Prints, per operation, the count, rate and p50/p99; the achieved operations per
second (every answered request); the server's CPU per operation (user + system of
the server's processes, from /proc) and the client's own; and checks the database
after the server stopped: every number a kiosk was told is there with its queue,
day and code (none lost), and no (queue, day, number) is there twice. Targets are
printed beside the figures, not asserted: p99 < 25 ms for issue and call, >= 500
ops/s, 0 duplicates.

The clients run in this process on the same box (one asyncio loop on uvloop). The
default `raw` client is a minimal HTTP/1.1 client over one keep-alive connection per
kiosk or counter (Content-Length or chunked bodies): about a tenth of httpx's CPU
per request (measured, see README). The displays' SSE streams use httpx either way.
On a 2-core box whatever the clients use is taken from the server; the client's CPU
per operation is printed so the figures can be read with that in mind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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
# Open loop: a client this far behind its schedule stops sending (the server cannot keep up).
GIVE_UP_BEHIND_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="10 seconds per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--mode", choices=("closed", "open", "both"), default="both")
    parser.add_argument("--rate", type=float, default=TARGET_OPS, help="open loop: operations/s offered in all")
    parser.add_argument("--waiting", type=int, default=2 * COUNTERS,
                        help="open loop: tickets drawn before the measured seconds, so counters find someone")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="py-spy samples of the server during the measured seconds: PREFIX-<workers>w-<mode>.txt "
                             "(collapsed stacks, for flamegraph.pl or speedscope)")
    args = parser.parse_args()
    seconds = 10.0 if args.quick else args.seconds
    modes = ("closed", "open") if args.mode == "both" else (args.mode,)
    print(f"hall load: {KIOSKS} kiosks, {COUNTERS} counters, {DISPLAYS} displays, {seconds:.0f} s per run; "
          f"{os.cpu_count()} cores; client {args.client}")
    failed = False
    for workers in args.workers:
        for mode in modes:
            with tempfile.TemporaryDirectory(prefix="hall-load-") as folder:
                profile = f"{args.profile}-{workers}w-{mode}.txt" if args.profile else None
                failed |= not run(Path(folder), workers, seconds, mode, args.rate, args.waiting, args.client, profile)
    return 1 if failed else 0


# -- one run -----------------------------------------------------------------------------------------
def run(folder: Path, workers: int, seconds: float, mode: str, rate: float, waiting: int, client: str,
        profile: str | None) -> bool:
    config = round_the_clock_config(folder / "hall.toml", windows=COUNTERS, daily_cap=9999)
    data = folder / "data"
    env = {**os.environ, "KIOSK_CONFIG": str(config), "KIOSK_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    tokens, staff = prepare_hall(env)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--workers", str(workers), "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        hall = Hall(port, tokens, staff, client, lambda: tree_cpu_seconds(server.pid))
        if profile:
            hall.on_start = lambda: start_profiler(server.pid, seconds, profile)
        load = run_loop(hall.drive(seconds, mode, rate, waiting))
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
    report(workers, mode, rate, load, check, errors)
    return check["lost"] == 0 and check["twice"] == 0 and not load["unexpected"]


def start_profiler(pid: int, seconds: float, out: str) -> subprocess.Popen:
    """py-spy on the server and its workers for the measured seconds (it runs on, and is waited
    for after the run; its own CPU is not the server's). Only the thread holding the GIL is
    sampled: where the server's Python spends CPU, not where its threads wait (SQLite's own
    work and fsync run without the GIL and do not show)."""
    beside = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(beside) if beside.exists() else "py-spy", "record", "--pid", str(pid), "--subprocesses", "--duration",
                             str(int(seconds)), "--rate", "100", "--gil", "--format", "raw", "--output", out, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_loop(coroutine):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


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


def tree_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user, system) of the server and its worker processes so far (Linux /proc; 0 elsewhere).

    Divided by the operations served it gives the server's CPU per operation, a figure
    that, unlike latency, hardly moves when other work shares the box."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    user, system, todo = 0.0, 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            user += int(fields[11]) / tick
            system += int(fields[12]) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, ValueError, IndexError):
            continue
    return user, system


# -- clients -------------------------------------------------------------------------------------------
class Answer:
    __slots__ = ("status", "body")

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body

    def json(self):
        return json.loads(self.body)


class RawClient:
    """HTTP/1.1 over one keep-alive loopback connection: just enough for this server's JSON answers.

    Requests on one client go one after another (no pipelining), as a kiosk's or a
    browser's would on one connection."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes = b"") -> Answer:
        return await self.request("POST", path, body)

    async def request(self, method: str, path: str, body: bytes = b"") -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{self.head}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode("latin-1") + body)
        try:
            return await self._answer()
        except BaseException:
            await self.close()
            raise

    async def _answer(self) -> Answer:
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head[9:12])
        length, chunked, close = None, False, False
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = "close" in value
        if chunked:
            chunks = []
            while True:  # no trailers: this server sends none
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await self.reader.readexactly(length or 0)
        if close:
            await self.close()
        return Answer(status, body)

    async def close(self) -> None:
        writer, self.writer, self.reader = self.writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


class HttpxClient:
    """The same calls through httpx (one keep-alive connection), to compare the client's cost."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=headers,
                                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))

    async def post(self, path: str, body: bytes = b"") -> Answer:
        response = await self.client.post(path, content=body, headers={"Content-Type": "application/json"})
        return Answer(response.status_code, response.content)

    async def close(self) -> None:
        await self.client.aclose()


CLIENT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, httpx.HTTPError)


# -- the simulated hall --------------------------------------------------------------------------------
class Hall:
    def __init__(self, port: int, tokens: list[str], staff: list[str], client: str, server_cpu) -> None:
        self.port, self.tokens, self.staff = port, tokens, staff
        self.client_class = RawClient if client == "raw" else HttpxClient
        self.server_cpu = server_cpu
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.told: list[dict] = []
        self.refused: dict[str, int] = defaultdict(int)
        self.unexpected: list[str] = []
        self.called_at: dict[tuple[int, str], float] = {}
        self.display_delay: list[float] = []
        self.display_events = [0] * DISPLAYS
        self.behind: list[str] = []
        self.on_start = None
        self.measure_from = 0.0

    # -- the requests, each timed from `since` (its scheduled time in the open loop) --
    async def issue(self, c, n: int, since: float | None = None) -> None:
        started = time.perf_counter() if since is None else since
        try:
            answer = await c.post("/api/kiosk/tickets", b'{"queue": "%s"}' % b"ABC"[n % 3:n % 3 + 1])
        except CLIENT_ERRORS as exc:
            self.unexpected.append(f"issue: {type(exc).__name__} {exc}")
            return
        self._keep("issue", started)
        if answer.status == 201:
            self.told.append(answer.json())
        elif answer.status < 500:
            self.refused[f"issue {answer.json().get('error')}"] += 1
        else:
            self.unexpected.append(f"issue: {answer.status} {answer.body[:200]!r}")

    async def call(self, c, window: int, since: float | None = None) -> bool:
        """True when a ticket was called (else nobody was waiting, or it failed)."""
        started = time.perf_counter() if since is None else since
        try:
            answer = await c.post(f"/api/windows/{window}/call")
        except CLIENT_ERRORS as exc:
            self.unexpected.append(f"call: {type(exc).__name__} {exc}")
            return False
        if answer.status == 200:
            self._keep("call", started)
            self.called_at[(window, answer.json()["ticket"]["code"])] = time.perf_counter()
            return True
        if answer.status == 409:
            self._keep("call (nobody waiting)", started)
        else:
            self.unexpected.append(f"call: {answer.status} {answer.body[:200]!r}")
        return False

    async def finish(self, c, window: int, since: float | None = None) -> None:
        started = time.perf_counter() if since is None else since
        try:
            answer = await c.post(f"/api/windows/{window}/finish")
        except CLIENT_ERRORS as exc:
            self.unexpected.append(f"finish: {type(exc).__name__} {exc}")
            return
        self._keep("finish", started)
        if answer.status >= 400:
            self.unexpected.append(f"finish: {answer.status} {answer.body[:200]!r}")

    def _keep(self, name: str, started: float) -> None:
        """The latency of a request answered now, counted if it was sent (or due) after the warm-up."""
        if started >= self.measure_from:
            self.latencies[name].append((time.perf_counter() - started) * 1000)

    # -- closed loop --
    async def closed_kiosk(self, c, n: int, until: float) -> None:
        i = n
        while time.perf_counter() < until:
            await self.issue(c, i)
            i += 1

    async def closed_counter(self, c, window: int, until: float) -> None:
        while time.perf_counter() < until:
            if await self.call(c, window):
                await self.finish(c, window)
            else:
                await asyncio.sleep(0.05)

    # -- open loop --
    async def open_kiosk(self, c, n: int, start: float, until: float, interval: float) -> None:
        i, due = n, start + random.uniform(0, interval)
        while due < until:
            if await self._wait_for(due, f"kiosk {n}"):
                return
            await self.issue(c, i, since=due)
            i += 1
            due += interval

    async def open_counter(self, c, window: int, start: float, until: float, interval: float) -> None:
        due, holding = start + random.uniform(0, interval), False
        while due < until:
            if await self._wait_for(due, f"counter {window}"):
                return
            if holding:
                await self.finish(c, window, since=due)
                holding = False
            else:
                holding = await self.call(c, window, since=due)
            due += interval

    async def _wait_for(self, due: float, who: str) -> bool:
        """Sleep until `due`; True when the client is so far behind that it should stop."""
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > GIVE_UP_BEHIND_SECONDS:
            self.behind.append(who)
            return True
        return False

    # -- displays --
    async def display(self, n: int, until: float) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}",
                                     timeout=httpx.Timeout(30, read=None)) as c:
            try:
                async with c.stream("GET", "/api/live") as stream:
                    event = ""
                    async for line in stream.aiter_lines():
                        if line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:") and event == "change":
                            seen = time.perf_counter()
                            self.display_events[n] += 1
                            for call in json.loads(line[5:]).get("calls", []):
                                at = self.called_at.get((call["window"], call["code"]))
                                if at is not None and n == 0:
                                    self.display_delay.append(max(0.0, seen - at) * 1000)
                        if time.perf_counter() >= until:
                            return
            except httpx.HTTPError as exc:
                self.unexpected.append(f"display: {type(exc).__name__} {exc}")

    async def log_in(self, username: str) -> dict[str, str]:
        """The session's cookies and CSRF header (httpx: a login is not measured)."""
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=30) as c:
            await c.get("/staff")  # the CSRF cookie before login
            login = await c.post("/api/login", json={"username": username, "password": PASSWORD},
                                 headers={"X-CSRF-Token": c.cookies["qx_csrf"]})
            login.raise_for_status()
            cookies = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
            return {"Cookie": cookies, "X-CSRF-Token": c.cookies["qx_csrf"]}

    async def drive(self, seconds: float, mode: str, rate: float, waiting: int, warmup: float = 2.0) -> dict:
        # The logins first (scrypt: ~0.1 s of CPU each), so the measured seconds hold the hall's work only.
        kiosks = [self.client_class(self.port, {"Authorization": f"Bearer {t}"}) for t in self.tokens]
        counters = [self.client_class(self.port, await self.log_in(name)) for name in self.staff]
        if mode == "open":
            # Some tickets waiting before the clock starts, so the counters find someone.
            async def draw(c, n: int) -> None:
                for i in range(n, waiting, KIOSKS):
                    await self.issue(c, i)

            await asyncio.gather(*[draw(c, n) for n, c in enumerate(kiosks)])
            self.latencies.clear()
        started = time.perf_counter()
        # The first seconds are not measured: connections, the thread pool and the estimator's
        # inputs warm up, and every client starts at once (up to 0.2 s answers in the first 0.5 s).
        self.measure_from = started + warmup
        until = self.measure_from + seconds
        marks: dict = {}

        async def mark() -> None:
            await asyncio.sleep(warmup)
            marks["profiler"] = self.on_start() if self.on_start else None
            marks["cpu"], marks["client_cpu"] = self.server_cpu(), time.process_time()

        marking = asyncio.ensure_future(mark())
        displays = [asyncio.ensure_future(self.display(n, until + 1.0)) for n in range(DISPLAYS)]
        if mode == "closed":
            await asyncio.gather(*[self.closed_kiosk(c, n, until) for n, c in enumerate(kiosks)],
                                 *[self.closed_counter(c, n + 1, until) for n, c in enumerate(counters)])
        else:
            kiosk_interval = KIOSKS / (rate / 3)
            counter_interval = COUNTERS / (rate * 2 / 3)
            await asyncio.gather(
                *[self.open_kiosk(c, n, started, until, kiosk_interval) for n, c in enumerate(kiosks)],
                *[self.open_counter(c, n + 1, started, until, counter_interval) for n, c in enumerate(counters)])
        await marking
        user, system = (after - before for after, before in zip(self.server_cpu(), marks["cpu"]))
        client_cpu = time.process_time() - marks["client_cpu"]
        elapsed = time.perf_counter() - self.measure_from  # the displays' tail is not counted
        profiler = marks["profiler"]
        await asyncio.wait(displays, timeout=5.0)
        for task in displays:
            task.cancel()
        for c in kiosks + counters:
            await c.close()
        if profiler is not None:
            await asyncio.to_thread(profiler.wait)
        return {"latencies": self.latencies, "told": self.told, "refused": self.refused,
                "unexpected": self.unexpected, "display_delay": self.display_delay,
                "display_events": self.display_events, "elapsed": elapsed, "server_cpu": user + system,
                "server_system_cpu": system,
                "client_cpu": client_cpu, "behind": self.behind}


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
        waiting = conn.execute("SELECT COUNT(*) FROM tickets WHERE status = 'waiting'").fetchone()[0]
    finally:
        conn.close()
    lost = sum(1 for t in told if rows.get(t["ticket_id"]) != (t["queue"], t["business_day"], t["code"]))
    told_twice = len(told) - len({(t["queue"], t["business_day"], t["code"]) for t in told})
    return {"stored": len(rows), "lost": lost, "twice": twice + told_twice, "finished": finished, "waiting": waiting,
            "not_told": len(rows) - len(told)}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(workers: int, mode: str, rate: float, load: dict, check: dict, errors: str) -> None:
    elapsed = load["elapsed"]
    total = sum(len(v) for v in load["latencies"].values())
    offered = f", {rate:.0f} ops/s offered" if mode == "open" else ""
    print(f"\n== {workers} worker{'s' if workers > 1 else ''}, {mode} loop{offered}, {elapsed:.1f} s "
          f"(load average before the run's end {os.getloadavg()[0]:.1f}) ==")
    print(f"{'operation':<24}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}   target")
    for name in ("issue", "call", "finish", "call (nobody waiting)"):
        values = load["latencies"].get(name, [])
        target = f"p99 < {TARGET_P99_MS:.0f} ms" if name in ("issue", "call") else ""
        if target:
            target += "  ok" if percentile(values, 99) < TARGET_P99_MS else "  MISSED"
            if mode == "closed":
                target += " (closed loop: not what the target means)"
        print(f"{name:<24}{len(values):>8}{len(values) / elapsed:>9.1f}{percentile(values, 50):>9.1f}"
              f"{percentile(values, 99):>9.1f}   {target}")
    delay = load["display_delay"]
    print(f"{'call -> display (SSE)':<24}{len(delay):>8}{'':>9}{percentile(delay, 50):>9.1f}{percentile(delay, 99):>9.1f}"
          f"   change events per display: {load['display_events']}")
    ops = total / elapsed
    served = sum(len(load["latencies"].get(name, [])) for name in ("issue", "call", "finish")) / elapsed
    print(f"operations per second: {ops:.0f}   target >= {TARGET_OPS:.0f}  {'ok' if ops >= TARGET_OPS else 'MISSED'}"
          f"   (issue, call and finish alone: {served:.0f}/s; the rest are calls with nobody waiting)")
    if total:
        print(f"CPU per operation: server {load['server_cpu'] * 1000 / total:.2f} ms "
              f"(of it system {load['server_system_cpu'] * 1000 / total:.2f} ms; {load['server_cpu']:.1f} s in "
              f"{elapsed:.1f} s), client {load['client_cpu'] * 1000 / total:.2f} ms "
              f"({load['client_cpu']:.1f} s); {os.cpu_count()} cores")
    print(f"database: {check['stored']} tickets, {check['finished']} finished, {check['waiting']} still waiting; "
          f"told to kiosks {len(load['told'])}, "
          f"lost {check['lost']}, issued twice {check['twice']} (target 0: "
          f"{'ok' if check['twice'] == 0 and check['lost'] == 0 else 'FAILED'}), in the database but never told "
          f"{check['not_told']}")
    if load["behind"]:
        print(f"OVERLOADED: fell more than {GIVE_UP_BEHIND_SECONDS:.0f} s behind the schedule and stopped: "
              + ", ".join(load["behind"]) + " (the figures above are not those of the offered rate)")
    if load["refused"]:
        print("refusals: " + ", ".join(f"{k} {v}" for k, v in sorted(load["refused"].items())))
    if load["unexpected"]:
        print(f"UNEXPECTED ({len(load['unexpected'])}): " + "; ".join(load["unexpected"][:5]))
    if errors.strip():
        print("server stderr (last lines):\n  " + "\n  ".join(errors.strip().splitlines()[-5:]))


if __name__ == "__main__":
    sys.exit(main())

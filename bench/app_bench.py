"""Kiosk app benchmark: prints the figures issue 7 sets targets for.

    xvfb-run -a -s "-screen 0 1920x1080x24 +extension GLX" .venv/bin/python bench/app_bench.py

1. time to first frame of `kiosk run` (fresh processes; target < 1.5 s), and its RSS;
2. tap-to-visible-response latency: from the finger lifting to the end of the first
   frame flipped after it (target p95 < 100 ms);
3. confirm tap -> ticket number on screen, with the printer simulator ready, out of
   paper, and silent (accepts the connection, never answers) (target < 300 ms);
4. resident memory at start and after 100 simulated citizens (target growth < 10 %);
5. tap -> visible response while another process holds the database's write lock
   (target p95 < 100 ms), and that the numbers drawn then are exactly the ones shown.

Everything is real: the Kivy window on the display given, the SQLite file, the reader
and printer drivers against their simulators. Software GL (Mesa llvmpipe) is run with
LP_NUM_THREADS=1, which is faster than its default on two shared cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("LP_NUM_THREADS", "1")


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values: list[float]) -> str:
    return (f"n={len(values)} median {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
            f"max {max(values):.1f} ms")


# -- 1. first frame ------------------------------------------------------------------------

def bench_first_frame(runs: int) -> None:
    print(f"[first frame] `kiosk run` started {runs} times (fresh processes, warm page cache)")
    times, rss = [], []
    for _ in range(runs):
        data = tempfile.mkdtemp(prefix="bench-kiosk-")
        env = dict(os.environ, KIOSK_DATA_DIR=data, PYTHONUNBUFFERED="1")
        started = time.time()
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--at", "2026-11-27T09:30", "--mute", "--no-server"],
                                   cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = process.stdout.readline()
            if not line.startswith("KIOSK FIRST FRAME"):
                raise SystemExit(f"kiosk run printed {line!r} before its first-frame stamp")
            times.append((float(line.split()[-1]) - started) * 1000)
            time.sleep(2.0)  # devices up, search index built
            rss.append(rss_mb(process.pid))
        finally:
            process.terminate()
            process.wait(15)
    print(f"  first frame: {describe(times)}  (target < 1500 ms)")
    print(f"  RSS 2 s after start: median {statistics.median(rss):.0f} MB")


# -- in-process app -------------------------------------------------------------------------

def start_app(data_dir: Path):
    os.environ["KIOSK_DATA_DIR"] = str(data_dir)
    for key, value in (("KIVY_NO_ARGS", "1"), ("KIVY_NO_CONSOLELOG", "1"), ("KIVY_NO_FILELOG", "1"),
                       ("KIVY_USE_DEFAULTCONFIG", "1"), ("KIVY_METRICS_DENSITY", "1"),
                       ("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))):
        os.environ.setdefault(key, value)
    from screens.kivy_setup import configure_kivy

    configure_kivy()
    from screens.fonts import register_cjk_font

    register_cjk_font()
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    EventLoop.start()
    from devices.base.clock import ManualClock
    from kiosk.config import load_settings
    from kiosk.root.runtime import KioskRuntime, with_dedupe
    from kiosk.voice import VoicePrompter
    from screens.app import KioskApp

    settings = with_dedupe(load_settings(), 0)
    runtime = KioskRuntime(settings, ManualClock(dt.datetime(2026, 11, 27, 9, 30)))
    app = KioskApp(runtime, voice=VoicePrompter(enabled=False))
    app._run_prepare()
    wait_until(app.devices_ready.is_set, 20)
    pump(10)
    return app


def pump(frames: int = 1) -> None:
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pump(1)
        if predicate():
            return True
        time.sleep(0.005)
    return False


class FlipClock:
    """Records when each frame is flipped to the screen."""

    def __init__(self) -> None:
        from kivy.core.window import Window

        self.flips: list[float] = []
        Window.bind(on_flip=lambda *_a: self.flips.append(time.perf_counter()))


def tap_latency(widget, flips: FlipClock) -> float:
    """ms from the finger lifting (the action fires) to the end of the next flipped frame."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump(1)
    before = len(flips.flips)
    released = time.perf_counter()
    touch.touch_up()
    while len(flips.flips) == before:
        pump(1)
    return (flips.flips[before] - released) * 1000


def tap_until(widget, flips: FlipClock, shown) -> float:
    """ms from the finger lifting to the first flipped frame drawn after `shown()` became true.

    Service calls run off the UI thread, so what a tap causes may appear a few frames later.
    """
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump(1)
    released = time.perf_counter()
    touch.touch_up()
    deadline = time.monotonic() + 30
    while not shown():
        if time.monotonic() > deadline:
            raise AssertionError("what the tap should show never appeared")
        pump(1)
        time.sleep(0.001)
    after = len(flips.flips)
    while len(flips.flips) == after:
        pump(1)
    return (flips.flips[after] - released) * 1000


def settle(app, timeout: float = 30.0) -> None:
    """Until the app's service calls have answered on screen."""
    deadline = time.monotonic() + timeout
    while app.calls.in_flight and time.monotonic() < deadline:
        pump(1)
        time.sleep(0.001)
    pump(2)


def bench_taps(app, flips: FlipClock, rounds: int) -> None:
    print(f"[tap response] {rounds} rounds of Home -> 办事指南 -> 返回首页 -> 取号 -> 返回首页 (screen changes)")
    latencies = []
    for _ in range(rounds):
        for target, expect in ((lambda: app.screen("home").ids.guides, "guides"),
                               (lambda: _home_button(app, "guides"), "home"),
                               (lambda: app.screen("home").ids.take_number, "card"),
                               (lambda: _home_button(app, "card"), "home")):
            pump(2)
            latencies.append(tap_latency(target(), flips))
            assert app.manager.current == expect, (app.manager.current, expect)
    print(f"  tap -> changed frame on screen: {describe(latencies)}  (target p95 < 100 ms)")


def _home_button(app, screen_name: str):
    from kivy.uix.button import Button

    for widget in app.screen(screen_name).walk():
        if isinstance(widget, Button) and widget.text.endswith("返回首页"):
            return widget
    raise LookupError("no 返回首页 button")


class SilentPrinter:
    """Accepts connections on a port and never answers: a printer that hangs."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.server.close()
        for conn in self.connections:
            conn.close()


def bench_confirm_to_number(app, flips: FlipClock, per_state: int) -> None:
    print(f"[number on screen] confirm tap on 综合受理 -> ticket number in a flipped frame, {per_state} per printer state")
    runtime = app.runtime
    simulator = runtime.printer_simulator
    silent = SilentPrinter()
    real_port = runtime.printer.port
    for state in ("ok", "paper_out", "silent"):
        if state == "silent":
            runtime.printer.port = silent.port
        else:
            runtime.printer.port = real_port
            simulator.set_state(state)
        latencies, outcomes = [], []
        for _ in range(per_state):
            app.go_home()
            pump(2)
            app.start_take_number()
            pump(2)
            app.skip_card()
            pump(3)
            settle(app)
            button = app.screen("queue").queue_button("A")
            ticket = app.screen("ticket")
            latencies.append(tap_until(button, flips, lambda: app.manager.current == "ticket"))
            assert ticket.code.startswith("A")
            wait_until(lambda: ticket.printed or ticket.print_failed, 20)
            outcomes.append("printed" if ticket.printed else "not printed")
        print(f"  printer {state:9s}: {describe(latencies)}; outcome: {outcomes[-1]}  (target < 300 ms)")
    runtime.printer.port = real_port
    simulator.set_state("ok")
    silent.close()


def one_citizen(app, index: int) -> str:
    """A visit: half with a card, some also read a guide; all end with 完成 or 返回首页."""
    simulator = app.runtime.reader_simulator
    app.go_home()
    pump(2)
    if index % 4 == 3:
        app.open_guides()
        pump(2)
        app.go("guide_search")
        search = app.screen("guide_search")
        wait_until(lambda: search.ready, 20)
        search.press("D")
        search.press("B")
        pump(2)
        app.open_guide(search.result_ids()[0], "guide_search")
        settle(app)
        app.go_home()
        pump(2)
    app.start_take_number()
    pump(2)
    if index % 2 == 0:
        key = ("resident", "elderly", "rare_nation", "hmt")[(index // 2) % 4]
        simulator.place_card(key)
        wait_until(lambda: app.manager.current == "queue", 8)
        simulator.remove_card()
    else:
        app.skip_card()
    pump(2)
    queue_id = "ABC"[index % 3]
    app.choose_queue(queue_id)
    settle(app)
    if app.manager.current == "ticket":
        ticket = app.screen("ticket")
        wait_until(lambda: ticket.printed or ticket.print_failed, 20)
        outcome = "ticket"
        app.finish_visit()
    else:  # refused kindly (the same card already waits in that queue): back home
        outcome = "refused"
        app.go_home()
    pump(2)
    if index % 2 == 0:
        time.sleep(0.7)  # the reader releases the card after two empty polls
    return outcome


def bench_memory(app, citizens: int) -> None:
    print(f"[memory] resident set size before and after {citizens} simulated citizens")
    for index in range(4):  # warm up: every screen and path once
        one_citizen(app, index)
    gc.collect()
    start = rss_mb()
    started = time.monotonic()
    outcomes = [one_citizen(app, index) for index in range(citizens)]
    gc.collect()
    pump(5)
    end = rss_mb()
    with app.runtime.store.read() as conn:
        tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    growth = (end - start) / start * 100
    print(f"  RSS at start {start:.1f} MB, after {citizens} citizens {end:.1f} MB: growth {growth:+.1f} %  "
          f"(target < 10 %)")
    print(f"  {outcomes.count('ticket')} tickets taken, {outcomes.count('refused')} refused (card already waiting), "
          f"{tickets} tickets in the database, {citizens // 4} guide views; {time.monotonic() - started:.0f} s")


HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the bench closes our stdin
conn.execute("COMMIT")
"""


def bench_locked_database(app, flips: FlipClock, rounds: int) -> None:
    print(f"[database held] another process holds the write lock; {rounds} citizens tap 取号 -> 不刷卡 -> "
          f"综合受理 -> 返回首页 meanwhile")
    from kivy.uix.button import Button

    def ticket_count() -> int:
        with app.runtime.store.read() as conn:
            return conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]

    before = ticket_count()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(app.runtime.store.path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    taps, please_wait = [], []
    app.go_home()
    settle(app)
    try:
        for _ in range(rounds):
            home, card, queue = app.screen("home"), app.screen("card"), app.screen("queue")
            taps.append(tap_until(home.ids.take_number, flips, lambda: app.manager.current == "card"))
            taps.append(tap_until(card.ids.skip_card, flips, lambda: app.manager.current == "queue"))
            button = queue.queue_button("A")
            asked = time.perf_counter()
            taps.append(tap_until(button, flips, lambda: button.disabled))
            wait_until(lambda: queue.please_wait != "", 5)
            please_wait.append((time.perf_counter() - asked) * 1000)
            home_button = next(w for w in queue.walk() if isinstance(w, Button) and w.text.endswith("返回首页"))
            taps.append(tap_until(home_button, flips, lambda: app.manager.current == "home"))
        held = ticket_count()
    finally:
        holder.stdin.close()
        holder.wait(10)
    # Once released, one more citizen draws a number the usual way.
    app.start_take_number()
    pump(2)
    app.skip_card()
    settle(app)
    app.choose_queue("A")
    settle(app)
    shown = app.screen("ticket").code if app.manager.current == "ticket" else None
    after = ticket_count()
    app.go_home()
    settle(app)
    print(f"  tap -> changed frame while held: {describe(taps)}  (target p95 < 100 ms)")
    print(f"  综合受理 tap -> 请稍候 on screen: {describe(please_wait)} (shown after 300 ms on purpose)")
    print(f"  tickets drawn while held: {held - before} (citizens left before the lock was released: 0 expected); "
          f"after release: {after - held} drawn, {shown} shown")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--tap-rounds", type=int, default=15)
    parser.add_argument("--per-state", type=int, default=10)
    parser.add_argument("--citizens", type=int, default=100)
    parser.add_argument("--locked-rounds", type=int, default=10)
    args = parser.parse_args()
    print(f"kiosk app bench on {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS')}")
    bench_first_frame(args.starts)
    app = start_app(Path(tempfile.mkdtemp(prefix="bench-kiosk-")))
    try:
        flips = FlipClock()
        bench_taps(app, flips, args.tap_rounds)
        bench_confirm_to_number(app, flips, args.per_state)
        bench_locked_database(app, flips, args.locked_rounds)
        bench_memory(app, args.citizens)
    finally:
        app.dispatch("on_stop")
        app.runtime.stop()
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

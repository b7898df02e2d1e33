"""End to end: start the installed `kiosk run` (the console script of the environment
running the tests) as its own process on the test display, and take a number with
real X mouse clicks (xdotool), as a citizen would by touch. Then stop it the way
systemd does (SIGTERM)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from display import grab_screen, save_screenshot
from waiting import wait_until

pytestmark = [pytest.mark.ui, pytest.mark.slow]

# Button centres at 1920×1080 (from the landscape screenshots in test-artifacts/app).
TAKE_NUMBER = (340, 550)
SKIP_CARD = (1620, 365)
QUEUE_A = (330, 720)


def _installed_kiosk() -> Path:
    """The `kiosk` console script beside the Python running the tests (bootstrap.sh installs it)."""
    script = Path(sys.executable).parent / "kiosk"
    assert script.is_file() and os.access(script, os.X_OK), (
        f"no kiosk command at {script}: install the project into this environment (pip install -e '.[test]')")
    return script


def _click(window_id: str, x: int, y: int) -> None:
    # Moving, pausing, then clicking: clicks right after a move get lost (kivy-notes §2, pitfall 9).
    subprocess.run(["xdotool", "mousemove", "--window", window_id, str(x), str(y), "sleep", "0.3",
                    "click", "1", "sleep", "0.2"], check=True, timeout=10)


def _tickets(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT code, queue_id, channel, status FROM tickets ORDER BY id").fetchall()
        except sqlite3.OperationalError:
            return []


def test_installed_kiosk_run_takes_a_number_with_mouse_clicks_and_stops_on_sigterm(tmp_path, artifacts):
    assert os.environ.get("DISPLAY"), "run under xvfb-run"
    kiosk = _installed_kiosk()
    data_dir = tmp_path / "data"
    env = dict(os.environ, KIOSK_DATA_DIR=str(data_dir), LP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    for name in ("KIVY_HOME", "KIVY_NO_CONSOLELOG", "KIVY_LOG_MODE"):
        env.pop(name, None)
    log_path = tmp_path / "kiosk.log"
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            [str(kiosk), "-v", "run", "--at", "2026-11-27T09:30", "--mute", "--no-server"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=log_file, text=True)
    try:
        started = time.monotonic()
        first = process.stdout.readline()
        assert first.startswith("KIOSK FIRST FRAME"), f"no first frame; log:\n{log_path.read_text()[-3000:]}"
        line = process.stdout.readline()
        assert line.strip() == "KIOSK READY", f"no READY line; log:\n{log_path.read_text()[-3000:]}"
        ready_seconds = time.monotonic() - started
        window_id = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(process.pid)],
                                   capture_output=True, text=True, timeout=20).stdout.split()[0]
        wait_until(lambda: "ID-card reader ready" in log_path.read_text(), 20, 0.1, "the simulated reader")

        # Each tap waits for the screen it leads to, as a citizen waits to see the next page.
        for where, next_screen in ((TAKE_NUMBER, "screen card"), (SKIP_CARD, "screen queue"),
                                   (QUEUE_A, "screen ticket")):
            _click(window_id, *where)
            wait_until(lambda: next_screen in log_path.read_text(), 10, 0.1, next_screen)
        db = data_dir / "hall.db"
        wait_until(lambda: _tickets(db), 15, 0.1, "a ticket in the hall database")
        assert _tickets(db) == [("A001", "A", "kiosk", "waiting")]
        wait_until(lambda: "printed queue_ticket" in log_path.read_text(), 15, 0.1, "the ticket to print")
        time.sleep(0.5)  # the printed state repaints after the log line: let the picture show it
        screen = grab_screen()

        stop_started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        stop_seconds = time.monotonic() - stop_started
        print(f"e2e: READY after {ready_seconds:.2f} s, stopped {stop_seconds:.2f} s after SIGTERM")
        assert "Traceback" not in log_path.read_text()
        # Last, so a display that cannot be photographed does not hide the checks above.
        shot = save_screenshot(screen, artifacts("app") / "e2e-ticket.png")
        assert shot.stat().st_size > 10_000
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)

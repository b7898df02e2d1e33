"""End to end: install the package into a fresh folder, start `kiosk run` as its own
process on the test display, and take a number with real X mouse clicks (xdotool),
as a citizen would by touch. Then stop it the way systemd does (SIGTERM)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("kiosk", "devices", "screens", "config", "pyproject.toml", "setup.py", "README.md")

# Button centres at 1920×1080 (from the landscape screenshots in test-artifacts/app).
TAKE_NUMBER = (340, 550)
SKIP_CARD = (1620, 365)
QUEUE_A = (330, 720)


def _install(tmp_path: Path) -> Path:
    """pip-install the project (no dependencies: they are in this venv) into a target folder."""
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-compile", "--target", str(target), str(source)], check=True, timeout=180)
    assert (target / "screens" / "home.kv").is_file()
    assert (target / "screens" / "fonts.toml").is_file()
    assert (target / "kiosk" / "default_config" / "hall.toml").is_file()
    return target


def _click(window_id: str, x: int, y: int) -> None:
    # Moving, pausing, then clicking: clicks right after a move get lost (kivy-notes §2, pitfall 9).
    subprocess.run(["xdotool", "mousemove", "--window", window_id, str(x), str(y), "sleep", "0.3",
                    "click", "1", "sleep", "0.2"], check=True, timeout=10)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


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
    site = _install(tmp_path)
    data_dir = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(site), KIOSK_DATA_DIR=str(data_dir), LP_NUM_THREADS="1",
               PYTHONUNBUFFERED="1")
    for name in ("KIVY_HOME", "KIVY_NO_CONSOLELOG", "KIVY_LOG_MODE"):
        env.pop(name, None)
    log_path = tmp_path / "kiosk.log"
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "-v", "run", "--at", "2026-11-27T09:30", "--mute"],
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
        _wait(lambda: "ID-card reader ready" in log_path.read_text(), 20, "the simulated reader")

        # Each tap waits for the screen it leads to, as a citizen waits to see the next page.
        for where, next_screen in ((TAKE_NUMBER, "screen card"), (SKIP_CARD, "screen queue"),
                                   (QUEUE_A, "screen ticket")):
            _click(window_id, *where)
            _wait(lambda: next_screen in log_path.read_text(), 10, next_screen)
        db = data_dir / "hall.db"
        _wait(lambda: _tickets(db), 15, "a ticket in the hall database")
        assert _tickets(db) == [("A001", "A", "kiosk", "waiting")]
        _wait(lambda: "printed queue_ticket" in log_path.read_text(), 15, "the ticket to print")
        time.sleep(0.5)
        shot = artifacts("app") / "e2e-ticket.png"
        subprocess.run(["import", "-window", "root", str(shot)], check=True, timeout=30)
        assert shot.stat().st_size > 10_000

        stop_started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        stop_seconds = time.monotonic() - stop_started
        print(f"e2e: READY after {ready_seconds:.2f} s, stopped {stop_seconds:.2f} s after SIGTERM")
        assert "Traceback" not in log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)

"""A real `kiosk run` as its own process on the test display, and the hall settings it is given.

For end-to-end tests of what the installed program does: its own hall file (ports the
test chose, so parallel tests never meet on 8080 or 9100), real X clicks (xdotool),
the log it writes, SIGTERM to stop it as systemd does.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from waiting import wait_until

REPO = Path(__file__).resolve().parents[1]
HALL_TIME = "2026-11-27T09:30"  # a Friday inside opening hours

# Button centres at 1920×1080 (from the landscape screenshots in test-artifacts/app).
TAKE_NUMBER = (340, 550)
SKIP_CARD = (1620, 365)
QUEUE_A = (330, 720)


def free_port() -> int:
    """A TCP port free on loopback now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hall_file(path: Path, *, server_port: int, printer_port: int | None = None, extra: str = "") -> Path:
    """The packaged hall's settings with the hall server on `server_port` (and public_url
    pointing at it), the printer a network printer on `printer_port` (a simulator the test
    holds) if given; `extra` is appended (e.g. another section's keys are not: TOML sections
    cannot repeat, use it for new sections only)."""
    source = (REPO / "config" / "hall.toml").read_text(encoding="utf-8")
    source = re.sub(r'(?m)^public_url = ".*"$', f'public_url = "http://127.0.0.1:{server_port}"', source)
    source = re.sub(r"(?ms)^(\[server\].*?)^port = \d+$", rf"\g<1>port = {server_port}", source, count=1)
    if printer_port is not None:
        source = re.sub(r'(?ms)^(\[devices\.printer\]\s*)driver = "simulator"\s*host = "127\.0\.0\.1"\s*port = \d+',
                        rf'\g<1>driver = "network"\nhost = "127.0.0.1"\nport = {printer_port}', source, count=1)
    path.write_text(source + extra, encoding="utf-8")
    return path


def installed_kiosk() -> Path:
    """The `kiosk` console script beside the Python running the tests (bootstrap.sh installs it)."""
    script = Path(sys.executable).parent / "kiosk"
    assert script.is_file() and os.access(script, os.X_OK), (
        f"no kiosk command at {script}: install the project into this environment (pip install -e '.[test]')")
    return script


class KioskProcess:
    """`kiosk --config FILE -v run --at … --mute [args]` on the test display, with its log."""

    def __init__(self, tmp_path: Path, config: Path, *args: str) -> None:
        assert os.environ.get("DISPLAY"), "run under xvfb-run"
        self.data_dir = tmp_path / "data"
        env = dict(os.environ, KIOSK_DATA_DIR=str(self.data_dir), LP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        for name in ("KIVY_HOME", "KIVY_NO_CONSOLELOG", "KIVY_LOG_MODE", "KIOSK_CONFIG"):
            env.pop(name, None)
        self.log_path = tmp_path / "kiosk.log"
        with open(self.log_path, "w") as log_file:
            self.process = subprocess.Popen(
                [str(installed_kiosk()), "--config", str(config), "-v", "run", "--at", HALL_TIME, "--mute", *args],
                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=log_file, text=True)
        self.window_id = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        first = self.process.stdout.readline()
        assert first.startswith("KIOSK FIRST FRAME"), f"no first frame; log:\n{self.log()[-3000:]}"
        line = self.process.stdout.readline()
        assert line.strip() == "KIOSK READY", f"no READY line; log:\n{self.log()[-3000:]}"
        self.window_id = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(self.process.pid)],
            capture_output=True, text=True, timeout=20).stdout.split()[0]
        wait_until(lambda: "ID-card reader ready" in self.log(), 20, 0.1, "the simulated reader")

    def click(self, x: int, y: int) -> None:
        # Moving, pausing, then clicking: clicks right after a move get lost (kivy-notes §2, pitfall 9).
        subprocess.run(["xdotool", "mousemove", "--window", self.window_id, str(x), str(y), "sleep", "0.3",
                        "click", "1", "sleep", "0.2"], check=True, timeout=10)

    def take_number_without_card(self) -> None:
        """Home 取号 -> 跳过 the card -> queue A; each tap waits for the screen it leads to."""
        for where, next_screen in ((TAKE_NUMBER, "screen card"), (SKIP_CARD, "screen queue"),
                                   (QUEUE_A, "screen ticket")):
            self.click(*where)
            wait_until(lambda: next_screen in self.log(), 10, 0.1, next_screen)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            # systemd waits 90 s (TimeoutStopSec); on a loaded CI box a clean stop
            # (server, devices, a last checkpoint) has taken more than 15 s.
            return self.process.wait(45)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

"""The X display the UI tests draw on: one Xvfb per pytest-xdist worker, and screenshots.

Under pytest-xdist every worker opens its own Kivy window and some tests start
`kiosk run` as a subprocess, click it with xdotool and photograph the whole screen.
On one shared display the workers' windows would overlap: a click could land in
the other worker's window and a screenshot would show both. So each worker gets
a display of its own (the root conftest calls `start_own_display` in the worker
before anything opens a window); subprocesses inherit it through $DISPLAY.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any

# The same screen as bootstrap.sh's xvfb-run: full-HD, 24-bit, GLX for Kivy's GL.
XVFB_ARGS = ("-screen", "0", "1920x1080x24", "+extension", "GLX", "-nolisten", "tcp")


def start_own_display(timeout: float = 20.0) -> subprocess.Popen | None:
    """Start Xvfb on a free display number and point $DISPLAY at it; None without Xvfb."""
    started = start_display(timeout)
    if started is None:
        return None
    process, name = started
    os.environ["DISPLAY"] = name
    return process


def start_display(timeout: float = 20.0) -> tuple[subprocess.Popen, str] | None:
    """Start Xvfb on a free display number: the server and its name (":N"); None without Xvfb.

    For a child process that needs a screen of its own; stop it with `stop_display`.
    `-displayfd` makes Xvfb pick the number itself (no race with other servers on
    the machine) and write it once it accepts connections.
    """
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return None
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen([xvfb, "-displayfd", str(write_end), *XVFB_ARGS], pass_fds=(write_end,),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    finally:
        os.close(write_end)
    try:
        number = b""
        while not number.endswith(b"\n"):
            if not select.select([read_end], [], [], timeout)[0]:
                raise RuntimeError(f"Xvfb did not report its display within {timeout} s")
            chunk = os.read(read_end, 16)
            if not chunk:
                raise RuntimeError(f"Xvfb exited before it reported a display (exit status {process.wait(5)})")
            number += chunk
    except BaseException:
        stop_display(process)
        raise
    finally:
        os.close(read_end)
    return process, f":{int(number)}"


def stop_display(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def grab_screen() -> Any:
    """The whole display as a PIL image, or the exception that prevented it.

    Take the picture while the window is up, and save it (`save_screenshot`) after
    the test's own checks: a display that cannot be photographed must not hide them.
    Pillow's wheels read the X display over XCB; no screenshot program is needed.
    """
    try:
        from PIL import ImageGrab

        return ImageGrab.grab(xdisplay=os.environ["DISPLAY"])
    except Exception as exc:  # reported by save_screenshot, once the test's checks have run
        return exc


def save_screenshot(image: Any, path: Path) -> Path:
    """Save what `grab_screen` took; raise now if it could not take it."""
    if isinstance(image, Exception):
        raise AssertionError(f"could not photograph the display {os.environ.get('DISPLAY')}: {image!r}") from image
    image.save(path)
    return path

"""The in-process kiosk UI harness (kivy-notes approach B): one real Kivy window per
process, a KioskApp started with `_run_prepare()` and driven by pumping
`EventLoop.idle()`; taps are real touch events dispatched through the window.

Every app is built from a real KioskRuntime: the SQLite file in the data directory,
the real ID-card driver against its simulator on a pty, the real printer driver
against its simulator over TCP.

Used by tests/app/conftest.py's fixtures, and by processes that drive a kiosk on
their own (tests/dropoff/kiosk_submit_child.py, killed by the kill test): a
conftest cannot be imported under pytest's importlib mode, a module beside it can.
Importing this module configures Kivy: import it before anything imports kivy's window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from waiting import wait_for_reader_polls
from waiting import wait_until as _wait_until

# Software GL (llvmpipe) on two shared cores renders faster with one raster thread.
os.environ.setdefault("LP_NUM_THREADS", "1")

from screens.kivy_setup import LANDSCAPE, configure_kivy  # noqa: E402

configure_kivy(fullscreen=False, size=LANDSCAPE)
BEHAVIOUR_LANDSCAPE = (1280, 720)

# A Friday inside opening hours (2026-11-27 is a normal workday in the default hall).
OPEN_MOMENT = dt.datetime(2026, 11, 27, 9, 30)


def open_window():
    """The process's one Kivy window, with the CJK and icon fonts the screens need."""
    from screens.fonts import register_cjk_font

    assert register_cjk_font(), "no CJK font installed"
    from screens import icons

    assert icons.available(), "no icon font installed (fonts-materialdesignicons-webfont: ./bootstrap.sh installs it)"
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    EventLoop.start()
    return Window


def pump(frames: int = 3) -> None:
    """Run the UI loop for `frames` frames: clock, input, layout; drawn only while _DRAWING."""
    from kivy.base import EventLoop

    for _ in range(frames):
        if _DRAWING[0]:
            EventLoop.idle()
        else:
            _idle_without_drawing(EventLoop)


# Whether pump() draws and presents each frame. Behaviour tests stop drawing once the app
# has shown its first frame (the devices start after it): what they check is what the
# widgets hold after real touches through the window, and with software GL drawing was
# 30 % of their CPU (test_take_number: 55 s -> 38 s). Tests that look at pixels
# (the screenshot test, the first-frame and e2e tests) ask start_kiosk(draw=True).
_DRAWING = [True]


def _idle_without_drawing(loop) -> None:
    """EventLoop.idle() (kivy/base.py) without the window's on_draw/on_flip."""
    from kivy.clock import Clock
    from kivy.lang import Builder

    Clock.tick()
    loop.dispatch_input()
    Builder.sync()
    Clock.tick_draw()
    Builder.sync()


def wait_until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    """Wait for `predicate` with the UI running: one frame before each check, two after."""

    def after_a_frame():
        pump(1)
        return predicate()

    _wait_until(after_a_frame, timeout, 0.01, what)
    pump(2)


def tap(widget, frames: int = 3) -> None:
    """A finger press and release at the widget's centre, through the window."""
    from kivy.tests.common import UnitTestTouch

    assert widget.get_root_window() is not None, f"{widget!r} is not on screen"
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump(1)
    touch.touch_up()
    pump(frames)
    settle()


def settle(timeout: float = 10.0) -> None:
    """Until the app's service calls (run off the UI thread) have answered on screen."""
    from kivy.app import App

    app = App.get_running_app()
    calls = getattr(app, "calls", None)
    if calls is None:
        return
    deadline = time.monotonic() + timeout
    while calls.in_flight:
        if time.monotonic() > deadline:
            raise AssertionError(f"{calls.in_flight} service call(s) still unanswered after {timeout} s")
        pump(1)
        time.sleep(0.002)
    pump(2)


class Kiosk:
    """One running app with its runtime, and the simulators' handles."""

    def __init__(self, app, runtime) -> None:
        self.app = app
        self.runtime = runtime

    @property
    def reader(self):
        return self.runtime.reader_simulator

    @property
    def printer(self):
        return self.runtime.printer_simulator

    def go(self, name: str) -> None:
        self.app.go(name)
        pump(3)
        settle()

    def screen(self, name: str):
        return self.app.screen(name)

    @property
    def current(self) -> str:
        return self.app.current

    def place_card(self, key: str, wait_for: str | None = "queue") -> None:
        self.reader.place_card(key)
        if wait_for:
            wait_until(lambda: self.current == wait_for, 15, f"screen {wait_for} after placing card {key}")

    def remove_card(self) -> None:
        from devices.idcard.service import ABSENT_POLLS_TO_RELEASE

        self.reader.remove_card()
        # The reader releases a card after two empty polls; it has acted on them once it polls again.
        wait_for_reader_polls(self.reader, ABSENT_POLLS_TO_RELEASE + 1)
        pump(2)

    def ticket_rows(self) -> list[dict]:
        with self.runtime.store.read() as conn:
            return [dict(row) for row in conn.execute("SELECT * FROM tickets ORDER BY id")]


# The reader polls its simulator this often in the app tests (real readers: 300 ms).
FAST_POLL_MS = 50


# The printer simulator answers from a thread of the test's own process, which shares the
# GIL with Kivy and the reader simulator: at a moment of load it once took more than the
# 1 s a real printer gets to answer the status query (and the test saw 打印机没有响应 instead
# of 缺纸). A real printer is a device of its own; the tests give the simulator 3 s.
SIMULATED_PRINTER_STATUS_SECONDS = 3.0


def with_fast_reader(settings):
    """The hall's settings with the simulated reader polled every FAST_POLL_MS (and the
    in-process printer simulator given SIMULATED_PRINTER_STATUS_SECONDS to answer)."""
    idcard = settings.devices.idcard
    if idcard.driver != "simulator":
        return settings
    printer = settings.devices.printer
    if printer.driver == "simulator":
        printer = dataclasses.replace(printer, status_timeout_seconds=max(printer.status_timeout_seconds,
                                                                          SIMULATED_PRINTER_STATUS_SECONDS))
    devices = dataclasses.replace(settings.devices, printer=printer,
                                  idcard=dataclasses.replace(idcard, simulator_poll_interval_ms=FAST_POLL_MS))
    faster = dataclasses.replace(settings, devices=devices)
    object.__setattr__(faster, "source", settings.source)  # as kiosk.runtime.with_dedupe keeps it
    return faster


# The guides' pinyin index is derived from the packaged catalogue: computed once per run,
# shared by the pytest-xdist workers of that run (the cache file is written then renamed).
_RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID")
_SHARED_CACHE = (Path(tempfile.gettempdir()) / f"kiosk-cache-{_RUN_ID}" if _RUN_ID
                 else Path(tempfile.mkdtemp(prefix="kiosk-cache-")))


def start_app(window, settings, clock, tmp_path, size, voice_enabled=True, serve_hall=False, draw=False):
    from kivy.core.window import Window

    from kiosk.root.runtime import KioskRuntime
    from kiosk.voice import VoicePrompter
    from screens.app import KioskApp

    Window.size = size
    runtime = KioskRuntime(settings, clock, cache_dir=_SHARED_CACHE, serve_hall=serve_hall)
    voice = VoicePrompter(enabled=voice_enabled, wav_dir=tmp_path / "voice")
    app = KioskApp(runtime, voice=voice)
    _forget_previous_app()
    app._run_prepare()
    _DRAWING[0] = True  # the first frame starts the devices
    wait_until(app.devices_ready.is_set, 15, "the devices to start")
    _DRAWING[0] = draw
    return Kiosk(app, runtime)


def _forget_previous_app() -> None:
    """kv's global `app` is a proxy that caches the first App it sees and forgets it on
    that App's on_stop (kivy-notes §2 pitfall 4). A kv expression evaluated after the
    previous test's on_stop (layout pass during teardown) re-caches the stopped App for
    good, and the new App's buttons would call the old one. Point it at the new App."""
    from kivy.lang.parser import global_idmap

    object.__setattr__(global_idmap["app"], "_obj", None)


def stop_app(kiosk: Kiosk) -> None:
    from kivy.core.window import Window

    app = kiosk.app
    app.dispatch("on_stop")
    if app.root is not None and app.root.parent is not None:
        Window.remove_widget(app.root)
    app.voice.close()
    kiosk.runtime.stop()
    pump(1)
    _DRAWING[0] = True  # whatever runs next in this worker starts from a drawn window


class UI:
    """Driving helpers handed to tests (pytest's importlib mode cannot import conftest)."""

    pump = staticmethod(pump)
    tap = staticmethod(tap)
    settle = staticmethod(settle)
    wait_until = staticmethod(wait_until)

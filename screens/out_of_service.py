"""The screen a kiosk shows when it cannot serve: broken settings, unreadable database.

Instead of a black screen and systemd restarting a crashing process every few
seconds, the citizen reads that this machine is not in service and where to go;
staff read what is wrong (file and setting, in Chinese; the full English reason
is in the log). Every few seconds the cause is checked again; once it is fixed
the app stops with `recovered` set and `kiosk run` starts afresh.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from devices.base.errors import ConfigError, KioskError
from kiosk.system import sd_notify, watchdog_interval
from screens import texts_zh as zh

log = logging.getLogger(__name__)

RECHECK_SECONDS = 10.0


def staff_reason_zh(problem: KioskError) -> str:
    """What staff need to fix, in Chinese: the file and the setting for a config error."""
    if isinstance(problem, ConfigError):
        return zh.OUT_OF_SERVICE_CONFIG.format(file=Path(problem.file).name, key=problem.key)
    return problem.message_zh


class OutOfServiceApp(App):
    title = "沁心办"

    def __init__(self, problem: KioskError, recheck: Callable[[], bool],
                 recheck_seconds: float = RECHECK_SECONDS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.problem = problem
        self.recheck = recheck
        self.recheck_seconds = recheck_seconds
        self.recovered = False
        self.staff_text = zh.OUT_OF_SERVICE_STAFF.format(reason=staff_reason_zh(problem))
        self._events: list = []
        self._previous_sigterm = None
        self._checking = False

    def build(self):
        root = BoxLayout(orientation="vertical", padding=80, spacing=40)
        with root.canvas.before:
            Color(0.96, 0.95, 0.92, 1)
            background = Rectangle(pos=root.pos, size=root.size)
        root.bind(pos=lambda w, _v: setattr(background, "pos", w.pos),
                  size=lambda w, _v: setattr(background, "size", w.size))
        self.title_label = Label(text=zh.OUT_OF_SERVICE_TITLE, font_size=96, color=(0.70, 0.11, 0.11, 1))
        self.body_label = Label(text=zh.OUT_OF_SERVICE_BODY, font_size=48, color=(0.1, 0.1, 0.1, 1))
        self.staff_label = Label(text=self.staff_text, font_size=30, color=(0.35, 0.35, 0.35, 1))
        for label in (self.title_label, self.body_label, self.staff_label):
            label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)))
            label.halign = "center"
            root.add_widget(label)
        return root

    def on_start(self) -> None:
        log.error("kiosk out of service: %s", self.problem.message_en)
        self._events = [Clock.schedule_interval(self._check_again, self.recheck_seconds),
                        Clock.schedule_once(self._announce, 0.5)]
        interval = watchdog_interval()
        if interval:
            self._events.append(Clock.schedule_interval(lambda _dt: sd_notify("WATCHDOG=1"), interval))
        try:
            self._previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(
                lambda _dt: self.stop(), 0))
        except ValueError:  # not the main thread (embedding tests)
            self._previous_sigterm = None
        Window.bind(on_request_close=lambda *_args, **_kw: True)  # only SIGTERM or a fix ends this screen

    def _announce(self, _dt: float) -> None:
        # READY so systemd's start does not time out and loop: the screen is the service now.
        sd_notify("READY=1")
        sd_notify(f"STATUS=out of service: {self.problem.message_en}")
        print("KIOSK OUT OF SERVICE", flush=True)

    def _check_again(self, _dt: float) -> None:
        # Off the UI thread: opening a locked database may wait (busy timeout), and the
        # screen must keep drawing and feeding the watchdog meanwhile.
        if self._checking:
            return
        self._checking = True
        threading.Thread(target=self._check_in_background, name="out-of-service recheck", daemon=True).start()

    def _check_in_background(self) -> None:
        try:
            fixed = self.recheck()
        except Exception:  # a check that crashes is not a fix
            log.exception("re-checking the kiosk's settings failed")
            fixed = False
        Clock.schedule_once(lambda _dt: self._checked(fixed), 0)

    def _checked(self, fixed: bool) -> None:
        self._checking = False
        if fixed:
            log.warning("the problem is fixed: restarting the kiosk")
            self.recovered = True
            self.stop()

    def on_stop(self) -> None:
        for event in self._events:
            event.cancel()
        self._events = []
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None

"""A job the kiosk runs by itself every so often, on a daemon thread of its own.

Shared by the daily purge and the threshold watch: the job runs at once and then
every `interval_seconds` until `stop()`; an exception is logged and the next tick
tries again, so a bug or a busy database never ends the thread for good.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class PeriodicThread:
    def __init__(self, name: str, work: Callable[[], object], interval_seconds: float) -> None:
        self.name = name
        self.work = work
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                self.work()
            except Exception:  # a bug here must not take the thread down for good
                log.exception("%s failed", self.name)
            if self._stop.wait(self.interval_seconds):
                return

"""The I/O thread the capture service runs every driver call on, so a call that hangs
in the driver can be abandoned instead of hanging the service."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable


class CallTimeout(Exception):
    pass


class Stopping(Exception):
    """The service was asked to stop while it waited for a driver call."""


class IoWorker:
    """Runs source calls on a thread of its own so a hung driver call can be abandoned."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="camera-io", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            func, reply = job
            try:
                reply.put((True, func()))
            except BaseException as exc:  # handed to the caller
                reply.put((False, exc))

    # How often a wait for the driver looks whether the service is stopping.
    STOP_POLL_SECONDS = 0.05

    def call(self, func: Callable[[], Any], timeout: float, stop: threading.Event | None = None) -> Any:
        """func() on the I/O thread; CallTimeout after `timeout`, Stopping as soon as
        `stop` is set (the hung call is abandoned, never waited for)."""
        reply: queue.Queue = queue.Queue(maxsize=1)
        self._jobs.put((func, reply))
        deadline = time.monotonic() + timeout
        while True:
            if stop is not None and stop.is_set():
                raise Stopping()
            left = deadline - time.monotonic()
            if left <= 0:
                raise CallTimeout()
            try:
                ok, value = reply.get(timeout=min(left, self.STOP_POLL_SECONDS) if stop is not None else left)
                break
            except queue.Empty:
                continue
        if ok:
            return value
        raise value

    def stop(self) -> None:
        self._jobs.put(None)

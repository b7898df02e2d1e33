"""Service calls off the UI thread, results back on it.

A service may block: another process holding the database, a catalogue loading, a
printer being asked. The app therefore never calls a service on Kivy's thread; it
hands the call here and gets the result (or the error) back through
`Clock.schedule_once`, so the screen keeps answering taps meanwhile.

Writes run one at a time on their own worker, in the order they were asked for;
reads run on another, so a Home refresh never waits behind a number being drawn.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Callable

from kivy.clock import Clock

log = logging.getLogger(__name__)


class BackgroundCalls:
    def __init__(self) -> None:
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="service-write")
        self._reads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="service-read")
        # Asked for and not yet answered on the UI thread (tests and benches wait on it).
        self.in_flight = 0
        self._closed = False

    def run(self, call: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None] | None = None, *, write: bool = False,
            answer_within: float = 0.0) -> None:
        """Run `call()` on a worker; `on_done(result)` or `on_error(exc)` later on the UI thread.

        Without `on_error` an exception is re-raised on the UI thread, where the
        app's exception handler logs it and takes the citizen back Home.

        `answer_within` (seconds, small): wait that long for the answer before
        returning, and deliver it at once if it came. A number drawn in 3 ms is then
        on screen in the very frame of the tap instead of two frames later (each frame
        costs ~120 ms of software GL at 1920x1080); a busy database still never holds
        the screen longer than this.
        """
        if self._closed:
            return
        self.in_flight += 1
        future = (self._writes if write else self._reads).submit(call)
        delivered = False

        def deliver(_dt: float = 0) -> None:
            nonlocal delivered
            if delivered:
                return
            delivered = True
            self.in_flight -= 1
            error = future.exception()
            if error is None:
                on_done(future.result())
            elif on_error is not None:
                on_error(error)
            else:
                raise error

        if answer_within > 0:
            wait([future], timeout=answer_within)
            if future.done():
                deliver()
                return

        def finished(_future: Future) -> None:
            if not future.cancelled():
                Clock.schedule_once(deliver, 0)

        future.add_done_callback(finished)

    def close(self) -> None:
        """Stop taking calls; work already running finishes on its own (nobody waits for it)."""
        self._closed = True
        self._writes.shutdown(wait=False, cancel_futures=True)
        self._reads.shutdown(wait=False, cancel_futures=True)

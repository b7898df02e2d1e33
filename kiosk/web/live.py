"""The live feed behind the hall display and the ticket pages (Server-Sent Events).

One thread per server follows the queue's event log through HallBoard (a read of
MAX(id) on the read connection every POLL_SECONDS; WAL readers never wait for a
writer), so a call made anywhere in the hall (this server's console, `kiosk ticket
call`, another process) reaches every connected browser within about
POLL_SECONDS. A counter operation made through this server also pokes the thread,
so its own calls go out at once. Each browser has a bounded asyncio queue; a
browser too slow to read loses old messages, never the newest (every message
carries the newest event id, and the browser then re-reads the whole board).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import AsyncIterator

from kiosk.services.hall_board import HallBoard

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
QUEUE_SIZE = 64


class LiveFeed:
    def __init__(self, board: HallBoard, poll_seconds: float = POLL_SECONDS) -> None:
        self.board = board
        self.poll_seconds = poll_seconds
        self.last_event_id = 0
        self._subscribers: set[asyncio.Queue] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.last_event_id = self.board.last_event_id()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hall-live-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def poke(self) -> None:
        """Something changed in this process: look now rather than at the next poll."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        with self._lock:
            self._subscribers.add(queue)
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers.discard(queue)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                last, calls, changed = self.board.changes_after(self.last_event_id)
            except Exception:  # a busy or damaged database must not end the feed
                log.exception("reading the hall's events for the live feed failed")
                continue
            if last == self.last_event_id:
                continue
            self.last_event_id = last
            if changed or calls:
                self._broadcast({"last_event_id": last, "calls": [call.as_dict() for call in calls]})

    def _broadcast(self, message: dict) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            queues = list(self._subscribers)
        for queue in queues:
            try:
                loop.call_soon_threadsafe(_offer, queue, message)
            except RuntimeError:  # the loop closed meanwhile (server stopping)
                return


def _offer(queue: asyncio.Queue, message: dict) -> None:
    if queue.full():
        try:
            queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
    queue.put_nowait(message)

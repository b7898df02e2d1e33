"""The live feed behind the hall display and the ticket pages (Server-Sent Events).

One thread per server follows the queue's event log through HallBoard (a read of
MAX(id) on the read connection every POLL_SECONDS; WAL readers never wait for a
writer), so a call made anywhere in the hall (this server's console, `kiosk ticket
call`, another process) reaches every connected browser within about
POLL_SECONDS. A counter operation made through this server also pokes the thread,
so its own calls go out at once. Each browser has a bounded asyncio queue; a
browser too slow to read loses old messages, never the newest (every message
carries the newest event id, and the browser then re-reads the whole board).

Pokes are coalesced: the thread reads the event log at most once per
COALESCE_SECONDS, however many counter operations and tickets poked it
meanwhile, and sends one message with every call since the last one. A busy hall
(a ticket or a counter action every few milliseconds) otherwise sent each display
a message per operation, and each display re-read the whole board for each;
now a display hears at most ~7 messages a second and a call still reaches it
within COALESCE_SECONDS (plus the browser's board read) of being made. The
message is serialised once for every subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from typing import AsyncIterator

from kiosk.services.hall_board import HallBoard

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
# At most one read of the event log (and one message to each display) this often.
COALESCE_SECONDS = 0.15
QUEUE_SIZE = 64
BATCH = 200  # events read at once; a longer burst is read in several batches, sent as one message


class LiveFeed:
    def __init__(self, board: HallBoard, poll_seconds: float = POLL_SECONDS,
                 coalesce_seconds: float = COALESCE_SECONDS) -> None:
        self.board = board
        self.poll_seconds = poll_seconds
        self.coalesce_seconds = min(coalesce_seconds, poll_seconds)
        self.reads = 0  # reads of the event log so far (tests and the bench look)
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
        last_read = 0.0
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            # A poke right after a read waits for the rest of the interval: the pokes
            # that come meanwhile are answered by the same read.
            pause = last_read + self.coalesce_seconds - time.monotonic()
            if pause > 0 and self._stop.wait(pause):
                return
            self._wake.clear()
            if self._stop.is_set():
                return
            last_read = time.monotonic()
            self._read_and_send()

    def _read_and_send(self) -> None:
        calls: list[dict] = []
        changed = False
        start = self.last_event_id
        try:
            while True:
                self.reads += 1
                before = self.last_event_id
                last, new_calls, new_change = self.board.changes_after(before, limit=BATCH)
                self.last_event_id = last
                calls.extend(call.as_dict() for call in new_calls)
                changed = changed or new_change
                if last - before < BATCH:  # ids grow by one per event: this batch was not full
                    break
        except Exception:  # a busy or damaged database must not end the feed
            log.exception("reading the hall's events for the live feed failed")
        if self.last_event_id != start and (changed or calls):
            message = {"last_event_id": self.last_event_id, "calls": calls}
            self._broadcast({**message, "data": json.dumps(message, ensure_ascii=False)})

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

"""A few seconds' memory of who a session or device token belongs to, keyed by the token's SHA-256.

Every counter request checks its session and every kiosk request its device token:
without this each was a read of the database (on the read connection, behind its
lock) and, in the hall server, a trip through the thread pool. An entry lives
`ttl` seconds (monotonic clock); the service that owns the cache drops entries at
once when this process ends a session or disables an account or a device. Another
process of the hall (a second `kiosk serve` worker, `kiosk account` or `kiosk
device` at the terminal) cannot reach this memory: its changes take effect here
when the entry runs out, at most `ttl` seconds later. Only tokens that were valid
are kept (a flood of made-up tokens costs a read each and no memory), and at most
`size` of them.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class TokenCache(Generic[T]):
    def __init__(self, ttl: float, size: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: str, value: T) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.size:
                now = self._clock()
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self.size:
                    self._entries.clear()
            self._entries[key] = (self._clock() + self.ttl, value)

    def drop(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def drop_where(self, condition: Callable[[T], bool]) -> None:
        with self._lock:
            self._entries = {k: e for k, e in self._entries.items() if not condition(e[1])}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

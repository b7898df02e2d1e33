"""Idle detection as pure logic: the app feeds it touches and polls it.

    active ──(idle_seconds - warning_seconds without a touch)──► warning
    warning ──(touch)──► active          warning ──(idle_seconds)──► expired

The timer is only armed while a citizen is in a flow (not on the Home screen), so
the countdown never shows to an empty hall. Time comes from an injectable
monotonic function so tests can move it by hand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

ACTIVE = "active"
WARNING = "warning"
EXPIRED = "expired"
DISARMED = "disarmed"


@dataclass(frozen=True)
class IdleState:
    phase: str
    # Whole seconds until the reset (shown in the countdown); 0 when expired/disarmed.
    seconds_left: int


class IdleTimer:
    def __init__(self, idle_seconds: float, warning_seconds: float,
                 now: Callable[[], float] = time.monotonic) -> None:
        if warning_seconds >= idle_seconds:
            raise ValueError("the warning must start before the timeout")
        self.idle_seconds = float(idle_seconds)
        self.warning_seconds = float(warning_seconds)
        self._now = now
        self._last_touch = now()
        self._armed = False

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        """Start watching (a citizen entered a flow); counts from now."""
        self._armed = True
        self._last_touch = self._now()

    def disarm(self) -> None:
        self._armed = False

    def touch(self) -> None:
        self._last_touch = self._now()

    def idle_for(self) -> float:
        return self._now() - self._last_touch

    def state(self) -> IdleState:
        if not self._armed:
            return IdleState(DISARMED, 0)
        idle = self.idle_for()
        left = self.idle_seconds - idle
        if left <= 0:
            return IdleState(EXPIRED, 0)
        if left <= self.warning_seconds:
            return IdleState(WARNING, int(left + 0.999))
        return IdleState(ACTIVE, int(left + 0.999))

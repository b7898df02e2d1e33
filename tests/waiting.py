"""Waiting in tests: for a condition, for an event from another thread, for a reader poll.

Tests wait for what they mean (a screen, an event, a job, N polls of a simulator),
never for a fixed time, so a fast machine is not slowed and a loaded one does not
flake. Every wait raises AssertionError naming what it waited for when time runs out:
a broken behaviour still fails the test.

Importable as `waiting` from every test and conftest: pyproject's `pythonpath` puts
tests/ on sys.path (`--import-mode=importlib` does not import test modules as packages).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")

# A wait's timeout is patience, not a speed requirement (speeds are measured in bench/ and,
# where a user would notice, asserted with an explicit elapsed time). The figure written in
# a test is what a quiet machine needs; the suite runs four workers on two cores, and a CI
# box shared with other jobs has run them at a load average of 15, where a ticket took
# more than 8 s to print. Every wait_until therefore waits this many times longer before
# it gives up; a broken behaviour still fails, only later.
PATIENCE = float(os.environ.get("KIOSK_TEST_PATIENCE", "3"))


def wait_until(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01,
               message: str = "condition") -> T:
    """Call `predicate` every `interval` s until it returns something truthy; return that.

    Raises AssertionError("timed out after … waiting for {message}") after `timeout` x PATIENCE s.
    The predicate is asked once more at the deadline, so a slow last step still counts.
    """
    patience = timeout * PATIENCE
    deadline = time.monotonic() + patience
    while True:
        result = predicate()
        if result:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {patience:g} s ({timeout:g} s x patience {PATIENCE:g})"
                                 f" waiting for {message}")
        time.sleep(min(interval, remaining))


class Collected(Generic[T]):
    """Things another thread hands over (device events, log lines), kept in order.

    Call it with each item (it is a callback); `wait_for` sleeps on a condition
    variable and wakes at each new item, so it returns as soon as the test's
    condition holds instead of on the next poll.
    """

    def __init__(self) -> None:
        self._items: list[T] = []
        self._changed = threading.Condition()

    def __call__(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    @property
    def items(self) -> list[T]:
        with self._changed:
            return list(self._items)

    def of(self, kind: type) -> list:
        return [item for item in self.items if isinstance(item, kind)]

    def wait(self, predicate: Callable[[list[T]], Any], timeout: float = 5.0, recheck: float = 0.05) -> Any:
        """`predicate(items)` once it is truthy, else its last value after `timeout` s.

        Checked at once, at each new item, and every `recheck` s in between (for
        conditions that also look at other state, e.g. a counter on a device).
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(list(self._items))
                remaining = deadline - time.monotonic()
                if result or remaining <= 0:
                    return result
                self._changed.wait(min(recheck, remaining))

    def wait_for(self, predicate: Callable[[list[T]], Any], timeout: float = 5.0,
                 message: str = "condition") -> Any:
        """Like `wait`, but raises AssertionError naming `message` (and what arrived) on timeout."""
        result = self.wait(predicate, timeout)
        if not result:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}; got {self.items!r}"[:2000])
        return result


# -- the ID-card reader simulator ----------------------------------------------------------

def reader_polls(simulator: Any) -> int:
    """How many polls the reader simulator has answered: card searches (20 01), and SAM
    status checks (11 FF), which is how the service polls a module it holds faulty.

    `simulator` is a CardReaderSimulator or the SimulatedReaderLink around one.
    """
    from devices.idcard import codec

    module = getattr(simulator, "simulator", simulator)
    counts = module.command_counts.copy()
    return counts[codec.FIND_CARD] + counts[codec.SAM_STATUS]


def wait_for_reader_polls(simulator: Any, polls: int, timeout: float = 10.0) -> None:
    """Wait until the reader has polled the simulator `polls` more times from now.

    The service handles each answer before it sends its next poll, so after N + 1
    polls it has acted on N of them: use this instead of sleeping N poll periods.
    """
    target = reader_polls(simulator) + polls
    wait_until(lambda: reader_polls(simulator) >= target, timeout, message=f"{polls} more reader polls")

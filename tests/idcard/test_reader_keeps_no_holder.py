"""After a card read, the reader service keeps nothing of the holder but a keyed hash for its dedupe."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.base.clock import ManualClock
from devices.idcard.holder import Holder
from devices.idcard.service import CardRead, CardRemoved, ReaderReady
from devices.idcard.simulator import load_holders

pytestmark = pytest.mark.timeout(60)


def _everything_in(value, depth: int = 0):
    """Every value reachable from `value` through containers and object attributes (a few levels)."""
    yield value
    if depth > 3 or isinstance(value, (str, bytes, int, float, bool, type(None))):
        return
    if isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = list(value)
    elif hasattr(value, "__dict__") and type(value).__module__.startswith("devices."):
        children = list(vars(value).values())
    else:
        return
    for child in children:
        yield from _everything_in(child, depth + 1)


def test_the_reader_service_keeps_no_holder_after_the_read(simulated_reader, reader_service):
    holder = load_holders()["resident"]
    clock = ManualClock(dt.datetime(2026, 11, 27, 9, 0))
    sim = simulated_reader()
    service, events = reader_service(sim.port_path, clock=clock)
    events.wait_for(ReaderReady)

    # GIVEN a card that was read and taken away
    sim.place_card("resident")
    assert events.wait_for(CardRead).holder.id_number == holder.id_number
    sim.remove_card()
    events.wait_for(CardRemoved)

    # THEN the service holds no Holder, no name and no number: only the keyed dedupe hash
    kept = list(_everything_in(service))
    assert not any(isinstance(value, Holder) for value in kept)
    texts = [value for value in kept if isinstance(value, str)]
    assert not any(holder.id_number in text or holder.name in text for text in texts)
    assert len(service._recent) == 1

    # AND a hash goes once its dedupe window is over, at the next removal even without another read
    sim.place_card("resident")
    assert events.wait_for(CardRead).repeat
    clock.advance(seconds=service.settings.dedupe_seconds + 1)
    sim.remove_card()
    events.wait_for(CardRemoved)
    assert service._recent == {}

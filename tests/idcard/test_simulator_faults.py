"""The simulator itself misbehaving: a bug in its answer() must not silently kill it."""

from __future__ import annotations

import logging

import pytest

from devices.idcard import codec
from devices.idcard.errors import ReaderTimeout
from devices.idcard.link import SamLink

pytestmark = pytest.mark.timeout(30)


def test_an_exception_in_answer_is_logged_and_the_simulator_keeps_serving(simulated_reader, caplog):
    caplog.set_level(logging.INFO, logger="devices.idcard.simulator")
    # GIVEN a simulated module whose answer() fails once, on the first find card
    sim = simulated_reader()
    real_answer = sim.simulator.answer
    failures = []

    def answer_with_a_bug(frame):
        if frame.command == codec.FIND_CARD and not failures:
            failures.append(frame)
            raise RuntimeError("bug in the simulated module")
        return real_answer(frame)

    sim.simulator.answer = answer_with_a_bug
    link = SamLink(sim.port_path, 115200)
    try:
        assert link.transact(codec.SAM_STATUS).sw3 == codec.SW_OK
        # WHEN the failing command is sent THEN nothing is answered, as by a broken module
        with pytest.raises(ReaderTimeout):
            link.transact(codec.FIND_CARD)
        # AND the failure is in the log with its traceback
        [record] = [r for r in caplog.records if r.exc_info]
        assert record.name == "devices.idcard.simulator" and record.levelno == logging.ERROR
        assert "find card" in record.getMessage()
        assert isinstance(record.exc_info[1], RuntimeError)
        # AND the simulator still answers the next commands
        assert link.transact(codec.FIND_CARD).sw3 == codec.SW_NO_CARD
        sim.place_card("resident")
        assert link.transact(codec.FIND_CARD).sw3 == codec.SW_CARD_FOUND
    finally:
        link.close()

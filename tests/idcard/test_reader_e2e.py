"""The real driver (pyserial) against the simulator on a real pty pair."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

import pytest
from waiting import wait_for_reader_polls, wait_until

from devices.idcard.service import (
    CardRead, CardRemoved, ProblemAction, ReaderProblem, ReaderReady, ReaderStatus,
)
from devices.idcard.simulator import load_holders
from devices.base.clock import ManualClock

pytestmark = pytest.mark.timeout(60)

ALL_ID_NUMBERS = [h.id_number for h in load_holders().values()]
ALL_NAMES = [h.name for h in load_holders().values()]


def _quiet_for(recorder, sim, polls: int, kind) -> None:
    """No new `kind` event while the service handles `polls` more polls of the simulator."""
    before = len(recorder.of(kind))
    wait_for_reader_polls(sim, polls + 1)  # it handles each answer before it polls again
    assert len(recorder.of(kind)) == before, f"unexpected {kind.__name__}: {recorder.events!r}"


def test_card_placed_gives_exactly_one_event_and_none_while_it_lies_there(simulated_reader, reader_service):
    sim = simulated_reader()
    service, events = reader_service(sim.port_path)
    ready = events.wait_for(ReaderReady)
    assert (ready.baud, service.status) == (115200, ReaderStatus.READY)
    assert ready.sam_id == "05.01-20260101-0000000001-0000000042"

    sim.place_card("elderly")
    read = events.wait_for(CardRead)
    assert read.holder.masked_id == "9905**********0026"
    assert read.holder.name == "张桂兰"
    assert read.age >= 78 and not read.expired
    _quiet_for(events, sim, 6, CardRead)  # six more polls with the card still there
    assert len(events.of(CardRead)) == 1
    assert events.thread_names == {"idcard-reader"}

    sim.remove_card()
    events.wait_for(CardRemoved)
    sim.place_card("hmt")
    second = events.wait_for(CardRead)
    assert second.holder.card_type == "hmt_residence"


def test_module_that_stops_seeing_a_read_card_does_not_cause_a_second_read(simulated_reader, reader_service):
    sim = simulated_reader(halt_after_read=True)
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.place_card("resident")
    events.wait_for(CardRead)
    _quiet_for(events, sim, 8, CardRead)
    assert len(events.of(CardRead)) == 1


def _first_reads(recorder) -> list:
    return [e for e in recorder.of(CardRead) if not e.repeat]


def test_same_holder_laid_again_within_30_seconds_is_a_repeat_not_a_new_read(simulated_reader, reader_service):
    clock = ManualClock(dt.datetime(2026, 11, 27, 9, 0))
    sim = simulated_reader()
    _, events = reader_service(sim.port_path, clock=clock)
    events.wait_for(ReaderReady)
    # GIVEN a card read once
    sim.place_card("resident")
    first = events.wait_for(CardRead)
    assert not first.repeat
    sim.remove_card()
    events.wait_for(CardRemoved)

    # WHEN the citizen lays the same card again 10 s later
    clock.advance(seconds=10)
    sim.place_card("resident")

    # THEN the reader says "recognised again" once, with the same (masked-safe) holder,
    # and there is no second first read
    again = events.wait_for(CardRead)
    assert again.repeat
    assert again.holder.masked_id == first.holder.masked_id and again.holder.masked_name == first.holder.masked_name
    assert (again.age, again.expired) == (first.age, first.expired)
    _quiet_for(events, sim, 5, CardRead)  # lying there: nothing more
    assert [e.repeat for e in events.of(CardRead)] == [False, True]
    assert len(_first_reads(events)) == 1

    # A third placement inside the window (25 s after the first read) is again only a repeat:
    # the window counts from the read that counted, repeats do not extend it.
    sim.remove_card()
    events.wait_for(CardRemoved)
    clock.advance(seconds=15)
    sim.place_card("resident")
    assert events.wait_for(CardRead).repeat
    sim.remove_card()
    events.wait_for(CardRemoved)

    # WHEN laid again 35 s after the first read THEN it is a new read
    clock.advance(seconds=10)
    sim.place_card("resident")
    assert not events.wait_for(CardRead).repeat
    assert len(_first_reads(events)) == 2


def test_a_different_holder_within_30_seconds_is_a_new_read(simulated_reader, reader_service):
    clock = ManualClock(dt.datetime(2026, 11, 27, 9, 0))
    sim = simulated_reader()
    _, events = reader_service(sim.port_path, clock=clock)
    events.wait_for(ReaderReady)
    sim.place_card("resident")
    events.wait_for(CardRead)
    sim.remove_card()
    events.wait_for(CardRemoved)
    clock.advance(seconds=5)
    sim.place_card("elderly")
    second = events.wait_for(CardRead)
    assert not second.repeat and second.holder.masked_name == "张**"


def test_latest_address_and_expiry_come_with_the_event(simulated_reader, reader_service):
    sim = simulated_reader()
    _, events = reader_service(sim.port_path, clock=ManualClock(dt.datetime(2026, 11, 27, 9, 0)))
    events.wait_for(ReaderReady)
    sim.place_card("resident")
    read = events.wait_for(CardRead)
    assert read.holder.latest_address == "山西省沁水县端氏镇新街5号"
    assert read.holder.current_address == "山西省沁水县端氏镇新街5号"
    sim.remove_card()
    events.wait_for(CardRemoved)
    sim.place_card("expired")
    expired = events.wait_for(CardRead)
    assert expired.expired and expired.holder.latest_address == ""


def test_unplugged_reader_recovers_without_restarting(simulated_reader, reader_service, caplog):
    caplog.set_level(logging.DEBUG, logger="devices.idcard")
    sim = simulated_reader()
    service, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.unplug()
    assert not os.path.exists(sim.port_path)
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.DISCONNECTED
    assert problem.message_zh == "读卡器没有连接，请联系工作人员"
    # Failed reconnects after the first report are logged as "(still)", not reported again.
    wait_until(lambda: any("(still)" in r.getMessage() for r in caplog.records), 10,
               message="a failed reconnect after the first report")
    assert len([p for p in events.of(ReaderProblem) if p.action == ProblemAction.DISCONNECTED]) == 1
    assert service.status == ReaderStatus.DISCONNECTED

    sim.replug()
    events.wait_for(ReaderReady, timeout=6)
    sim.place_card("foreign_2023")
    read = events.wait_for(CardRead)
    assert read.holder.english_name == "GARCIA LOPEZ, MARIA FERNANDA ISABELLA"


def test_unplugged_while_a_card_lies_on_it(simulated_reader, reader_service):
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.place_card("foreign_old")
    events.wait_for(CardRead)
    sim.unplug()
    events.wait_for(ReaderProblem)
    sim.replug()
    events.wait_for(ReaderReady, timeout=6)
    # Same card, same person, seconds later, never taken away: the 30 s dedupe keeps it
    # one event, and it is not even a repeat (nobody laid it down again).
    _quiet_for(events, sim, 4, CardRead)
    assert len(events.of(CardRead)) == 1


def test_reader_that_appears_after_start(tmp_path, simulated_reader, reader_service):
    path = str(tmp_path / "ttyLATE")
    _, events = reader_service(path)
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.DISCONNECTED
    sim = simulated_reader(link_path=path)
    events.wait_for(ReaderReady, timeout=6)
    sim.place_card("rare_nation")
    assert events.wait_for(CardRead).holder.nation == "赫哲"


def test_a_restarted_service_reports_a_reader_that_is_still_missing(tmp_path, reader_service):
    # GIVEN a service that reported its reader missing, then was stopped
    service, events = reader_service(str(tmp_path / "ttyGONE"))
    assert events.wait_for(ReaderProblem).action == ProblemAction.DISCONNECTED
    service.stop()
    # WHEN it is started again and the reader is still not there
    service.start()
    # THEN the screen is told again (the old report was made before the restart)
    assert events.wait_for(ReaderProblem).action == ProblemAction.DISCONNECTED
    assert service.status == ReaderStatus.DISCONNECTED


def test_probes_115200_then_9600(simulated_reader, reader_service):
    sim = simulated_reader(baud=9600)
    _, events = reader_service(sim.port_path)
    ready = events.wait_for(ReaderReady, timeout=6)
    assert ready.baud == 9600
    sim.place_card("hmt")
    # 1295 bytes at 9600 baud take 1.35 s on the wire.
    read = events.wait_for(CardRead, timeout=8)
    assert read.holder.pass_number == "H90000017"


def test_a_module_answering_at_no_configured_baud_is_reported(simulated_reader, reader_service):
    sim = simulated_reader(baud=9600)
    _, events = reader_service(sim.port_path, baud_rates=(115200,))
    problem = events.wait_for(ReaderProblem, timeout=6)
    assert problem.action == ProblemAction.DISCONNECTED
    assert "115200" in problem.message_en


def test_noisy_split_answers_are_still_read(simulated_reader, reader_service):
    sim = simulated_reader(seed=7)
    sim.set_noise(junk_before=30, split_writes=True)
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.place_card("foreign_old")
    assert events.wait_for(CardRead, timeout=8).holder.nationality == "NOR"
    assert not events.of(ReaderProblem)


@pytest.mark.parametrize("corrupt", ["checksum", "truncate"])
def test_one_damaged_answer_is_retried_quietly(simulated_reader, reader_service, corrupt):
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(corrupt=corrupt, on="read")
    sim.place_card("resident")
    events.wait_for(CardRead, timeout=8)
    assert not events.of(ReaderProblem)


def test_card_moved_mid_read_once_is_retried_quietly(simulated_reader, reader_service):
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(0x41, on="read", times=1)
    sim.place_card("resident")
    events.wait_for(CardRead)
    assert not events.of(ReaderProblem)


@pytest.mark.parametrize("sw3, stage", [(0x90, "find"), (0x9F, "select")])
def test_an_answer_out_of_step_is_retried_and_the_card_still_read(simulated_reader, reader_service, sw3, stage):
    """A late answer to the previous command, read as this command's (seen under load: a find
    answered 90, a select 9F), once latched the card behind 请重新放置证件 until it was lifted."""
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(sw3, on=stage, times=1)
    sim.place_card("resident")
    events.wait_for(CardRead, timeout=8)
    assert not events.of(ReaderProblem)


@pytest.mark.parametrize("sw3, stage, action, message_zh", [
    (0x41, "read", ProblemAction.PLACE_AGAIN, "没有读好，请拿起证件，再平放在读卡区，不要移动"),
    (0x32, "read", ProblemAction.CARD_UNREADABLE, "这张证件读不出来，请到窗口请工作人员帮忙"),
    (0x81, "select", ProblemAction.PLACE_AGAIN, "请重新放置证件"),
])
def test_card_that_keeps_failing_asks_the_citizen_once(simulated_reader, reader_service, sw3, stage, action, message_zh):
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(sw3, on=stage, times=-1)
    sim.place_card("resident")
    problem = events.wait_for(ReaderProblem, timeout=6)
    assert (problem.action, problem.message_zh, problem.sw3) == (action, message_zh, sw3)
    assert "3 attempts" in problem.message_en
    _quiet_for(events, sim, 5, ReaderProblem)  # told once while the card stays
    sim.clear_faults()
    sim.remove_card()
    events.wait_for(CardRemoved)
    sim.place_card("resident")
    events.wait_for(CardRead)


def test_bank_card_is_not_an_id_card(simulated_reader, reader_service):
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.place_non_id_card()
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.NOT_ID_CARD
    assert problem.message_zh == "不是身份证，请放身份证或居住证"
    _quiet_for(events, sim, 5, ReaderProblem)
    assert not events.of(CardRead)


def test_sam_self_test_failure_is_reset_then_reported(simulated_reader, reader_service):
    sim = simulated_reader()
    sim.set_fault(0x60, on="status", times=1)
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)  # one failure: the reset (10 FF) brought it back
    assert (0x10, 0xFF) in sim.simulator.commands_seen
    assert not events.of(ReaderProblem)


def test_sam_that_stays_faulty_puts_the_reader_out_until_it_recovers(simulated_reader, reader_service):
    sim = simulated_reader()
    sim.set_fault(0x60, on="status", times=-1)
    service, events = reader_service(sim.port_path)
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.READER_FAULT
    assert problem.message_zh == "读卡器故障，请联系工作人员"
    assert service.status == ReaderStatus.FAULT
    sim.place_card("resident")
    _quiet_for(events, sim, 4, CardRead)
    sim.clear_faults()
    events.wait_for(ReaderReady)
    events.wait_for(CardRead)


def test_status_answer_too_short_for_sw3_is_a_reader_fault(simulated_reader, reader_service, caplog):
    from devices.idcard import codec

    # GIVEN a module whose status answer is a well-formed frame with only SW1 SW2 (LEN 3)
    sim = simulated_reader()
    real_answer = sim.simulator.answer
    short = bytes.fromhex("AA AA AA 96 69 00 03 00 00 03")
    sim.simulator.answer = lambda frame: short if frame.command == codec.SAM_STATUS else real_answer(frame)
    service, events = reader_service(sim.port_path)
    # THEN it is reported as a reader fault with the Chinese message, not as a crash
    problem = events.wait_for(ReaderProblem)
    assert (problem.action, problem.message_zh) == (ProblemAction.READER_FAULT, "读卡器故障，请联系工作人员")
    assert "no SW3" in problem.message_en
    assert service.status == ReaderStatus.FAULT
    assert not [r for r in caplog.records if r.exc_info], "no traceback from the reader thread"


def test_unlicensed_sam_is_out_of_service(simulated_reader, reader_service):
    sim = simulated_reader()
    sim.set_fault(0x66, on="status", times=-1)
    _, events = reader_service(sim.port_path)
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.OUT_OF_SERVICE
    assert problem.message_zh == "读卡器暂停使用，请联系工作人员"


def test_stop_returns_quickly_and_closes_the_port(simulated_reader, reader_service):
    from devices.idcard import codec

    sim = simulated_reader()
    service, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.place_card("hmt")
    # Mid-transaction: the read is asked for, its 1295-byte answer takes ~0.1 s on the wire.
    wait_until(lambda: codec.READ_TEXT_PHOTO in sim.simulator.commands_seen, 5, 0.002, "the read command")
    started = time.monotonic()
    service.stop()
    # Well under the 3 s read deadline and stop()'s own 2 s join limit (which it would
    # hit if the thread ignored the stop), with room for a loaded 2-core CI machine.
    assert time.monotonic() - started < 1.5
    assert service.status == ReaderStatus.STOPPED
    # The port is free again (opened exclusively while the service ran).
    import serial

    serial.Serial(sim.port_path, 115200, exclusive=True, timeout=0.1).close()


def test_no_full_id_number_or_name_in_any_log_line(simulated_reader, reader_service, caplog):
    caplog.set_level(logging.DEBUG)
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    for key in ("resident", "elderly", "hmt", "foreign_old", "foreign_2023"):
        sim.place_card(key)
        events.wait_for(CardRead)
        sim.remove_card()
        events.wait_for(CardRemoved)
    sim.set_fault(0x41, on="read", times=-1)
    sim.place_card("rare_nation")
    events.wait_for(ReaderProblem)
    sim.unplug()
    events.wait_for(ReaderProblem)
    sim.replug()
    events.wait_for(ReaderReady, timeout=6)

    lines = [record.getMessage() for record in caplog.records]
    assert any("card read" in line for line in lines), "the test must actually see the read log lines"
    for line in lines:
        for number in ALL_ID_NUMBERS:
            assert number not in line
        for name in ALL_NAMES:
            assert name not in line
    assert any("9905**********0026" in line for line in lines)


def test_card_with_inconsistent_data_is_refused_with_a_message(simulated_reader, reader_service, caplog):
    caplog.set_level(logging.DEBUG)
    sim = simulated_reader()
    _, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(corrupt="bad_text", on="read")
    sim.place_card("resident")
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.CARD_UNREADABLE
    assert "check character" in problem.message_en
    assert not events.of(CardRead)
    for record in caplog.records:
        assert "99052119850722003" not in record.getMessage()


def test_composition_root_helper_runs_the_simulator_by_default(settings):
    import queue

    from devices.idcard.service import open_reader_service

    assert settings.devices.idcard.driver == "simulator"
    received: queue.Queue = queue.Queue()
    service, simulator = open_reader_service(settings.devices.idcard, received.put)
    service.start()
    try:
        assert isinstance(received.get(timeout=5), ReaderReady)
        simulator.place_card("elderly")
        event = received.get(timeout=5)
        assert isinstance(event, CardRead) and event.holder.masked_name == "张**"
    finally:
        service.stop()
        simulator.stop()
    assert not os.path.exists(simulator.port_path)


def test_card_whose_answers_keep_getting_cut_off_asks_to_place_again(simulated_reader, reader_service):
    sim = simulated_reader()
    service, events = reader_service(sim.port_path, poll_interval_ms=300)
    events.wait_for(ReaderReady)
    sim.set_fault(corrupt="checksum", on="read", times=-1)
    sim.place_card("hmt")
    problem = events.wait_for(ReaderProblem, timeout=8)
    assert problem.action == ProblemAction.PLACE_AGAIN
    assert "3 attempts" in problem.message_en
    # The port itself is fine: no disconnect, no re-probe.
    assert service.status == ReaderStatus.READY
    assert len(events.of(ReaderReady)) == 1


def test_a_failing_event_handler_does_not_stop_card_reading(simulated_reader, caplog):
    import queue

    from devices.idcard.service import IdCardReaderService
    from devices.idcard.settings import IdCardSettings

    sim = simulated_reader()
    delivered: queue.Queue = queue.Queue()

    def clumsy_handler(event) -> None:
        delivered.put(event)
        if isinstance(event, ReaderReady):
            raise RuntimeError("screen not built yet")

    service = IdCardReaderService(IdCardSettings(driver="serial", port=sim.port_path), clumsy_handler)
    service.start()
    try:
        assert isinstance(delivered.get(timeout=5), ReaderReady)
        sim.place_card("elderly")
        assert isinstance(delivered.get(timeout=5), CardRead)
        assert any("event handler failed" in r.getMessage() for r in caplog.records)
        service.stop()
        sim.remove_card()
        service.start()  # restartable after stop
        assert isinstance(delivered.get(timeout=5), ReaderReady)
    finally:
        service.stop()


def test_start_after_a_stop_that_timed_out_still_starts_reading(simulated_reader, caplog):
    import queue
    import threading

    from devices.idcard.service import IdCardReaderService
    from devices.idcard.settings import IdCardSettings

    # GIVEN a screen handler that holds the reader thread for a moment on ReaderReady
    sim = simulated_reader()
    delivered: queue.Queue = queue.Queue()
    release = threading.Event()

    def slow_handler(event) -> None:
        delivered.put(event)
        if isinstance(event, ReaderReady):
            release.wait(5)

    service = IdCardReaderService(IdCardSettings(driver="serial", port=sim.port_path), slow_handler)
    service.start()
    try:
        assert isinstance(delivered.get(timeout=5), ReaderReady)
        # WHEN stop() gives up waiting for that thread and the kiosk starts the reader again
        service.stop(timeout=0.1)
        threading.Timer(0.3, release.set).start()
        service.start()
        # THEN the old thread ends without a false disconnect, and a new one reads cards
        assert isinstance(delivered.get(timeout=5), ReaderReady)
        sim.place_card("elderly")
        event = delivered.get(timeout=5)
        assert isinstance(event, CardRead), event
        assert not [r for r in caplog.records if r.exc_info], "no traceback from the old thread"
    finally:
        release.set()
        service.stop()


def test_find_answers_with_bad_sw1_sw2_are_a_reader_fault_not_a_crash(simulated_reader, reader_service, caplog):
    # GIVEN a module that puts 90 00 where SW1 SW2 (always 00 00) belong in its find answers
    sim = simulated_reader()
    service, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(on="find", corrupt="status_words", times=-1)
    # THEN staff are told once, in Chinese for the screen and plain English for the log
    problem = events.wait_for(ReaderProblem)
    assert (problem.action, problem.message_zh) == (ProblemAction.READER_FAULT, "读卡器故障，请联系工作人员")
    assert "SW1 SW2 = 90 00 instead of 00 00" in problem.message_en
    assert any("SW1 SW2 = 90 00" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    _quiet_for(events, sim, 4, ReaderProblem)
    assert not [r for r in caplog.records if r.exc_info], "no traceback from the reader thread"
    # AND when the module answers properly again, cards are read
    sim.clear_faults()
    sim.place_card("resident")
    assert not events.wait_for(CardRead).repeat
    assert service.status == ReaderStatus.READY


def test_read_answer_with_bad_sw1_sw2_asks_to_place_the_card_again(simulated_reader, reader_service):
    sim = simulated_reader()
    service, events = reader_service(sim.port_path)
    events.wait_for(ReaderReady)
    sim.set_fault(on="read", corrupt="status_words", times=-1)
    sim.place_card("hmt")
    problem = events.wait_for(ReaderProblem, timeout=8)
    assert (problem.action, problem.message_zh) == (ProblemAction.PLACE_AGAIN, "请重新放置证件")
    assert "SW1 SW2 = 90 00" in problem.message_en and "3 attempts" in problem.message_en
    assert not events.of(CardRead)
    assert service.status == ReaderStatus.READY


def test_status_answer_with_bad_sw1_sw2_at_connect_is_a_fault_not_a_lost_cable(simulated_reader, reader_service):
    sim = simulated_reader()
    sim.set_fault(on="status", corrupt="status_words", times=-1)
    service, events = reader_service(sim.port_path)
    problem = events.wait_for(ReaderProblem)
    assert problem.action == ProblemAction.READER_FAULT
    assert "SW1 SW2 = 90 00" in problem.message_en
    assert service.status == ReaderStatus.FAULT
    sim.clear_faults()
    events.wait_for(ReaderReady, timeout=6)

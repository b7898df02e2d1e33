"""Every printer state through the network link: what the citizen is told, what staff
are told, and that no ticket is lost or printed twice."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from devices.printer.service import TicketPrinterService
from devices.printer.status import PrinterState, decode_status

REFUSING = {
    "paper_out": ("缺纸", PrinterState.PAPER_OUT),
    "cover_open": ("盖子", PrinterState.COVER_OPEN),
    "offline": ("不能出票", PrinterState.OFFLINE),
    "error": ("故障", PrinterState.ERROR),
}


@pytest.mark.parametrize("state", sorted(REFUSING))
def test_a_printer_that_cannot_print_gets_no_job_and_the_citizen_keeps_the_number(
        state, simulator, printer_settings, ticket):
    # GIVEN a printer in a fault state
    simulator.set_state(state)
    alerts = []
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    # WHEN a ticket is printed
    outcome = service.print_now(ticket)
    words, expected_state = REFUSING[state]
    # THEN nothing is sent, the screen must show the number, the message says why in
    # Chinese and tells the villager to remember the number, and staff are alerted
    assert not outcome.printed and outcome.show_on_screen
    assert outcome.state is expected_state
    assert words in outcome.message_zh and "请记住屏幕上的号码" in outcome.message_zh
    assert outcome.key == ticket.ticket_id
    assert simulator.jobs == []
    assert [a.state for a in alerts] == [expected_state] and alerts[0].job_key == ticket.ticket_id
    assert list(service.alerts) == alerts
    # AND once the paper is changed, the next ticket prints once; the refused one is
    # never sent on its own later
    simulator.set_state("ok")
    assert service.print_now(ticket).printed
    service.close()
    time.sleep(0.2)
    assert simulator.wait_for_jobs(1) and len(simulator.jobs) == 1


def test_near_end_prints_and_alerts_staff(simulator, printer_settings, ticket):
    simulator.set_state("near_end")
    alerts = []
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    outcome = service.print_now(ticket)
    second = service.print_now(replace(ticket, ticket_id="20261127-A013", code="A013"))
    service.close()
    assert outcome.printed and second.printed and not outcome.show_on_screen
    assert outcome.state is PrinterState.NEAR_END
    assert "取走" in outcome.message_zh
    assert simulator.wait_for_jobs(2) and len(simulator.jobs) == 2
    assert len(alerts) == 1, "one alert per roll, not one per ticket"
    assert alerts[0].state is PrinterState.NEAR_END and "换纸" in alerts[0].message_zh


def test_the_idle_status_check_runs_on_the_worker(simulator, printer_settings):
    simulator.set_state("cover_open")
    alerts, results = [], []
    done = threading.Event()
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    service.request_status(lambda status: (results.append(status), done.set()))
    assert done.wait(5)
    done.clear()
    service.request_status(lambda status: (results.append(status), done.set()))
    assert done.wait(5)
    service.close()
    assert [r.state for r in results] == [PrinterState.COVER_OPEN] * 2
    assert len(alerts) == 1, "polling alerts on a change of state, not on every poll"


def test_a_silent_printer_is_detected_within_two_seconds(simulator, printer_settings, ticket):
    # GIVEN a printer that accepts the connection but never answers DLE EOT
    simulator.set_state("silent")
    alerts = []
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    started = time.monotonic()
    outcome = service.print_now(ticket)
    elapsed = time.monotonic() - started
    service.close()
    # THEN "no answer" is its own state, never taken for "paper OK", and nothing was sent
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert not outcome.printed and outcome.state is PrinterState.NO_ANSWER
    assert "没有响应" in outcome.message_zh
    assert simulator.jobs == [] and alerts[0].state is PrinterState.NO_ANSWER
    started = time.monotonic()
    assert service.status().state is PrinterState.NO_ANSWER
    assert time.monotonic() - started < 2.0


def test_a_printer_that_is_not_there_is_reported_unreachable(printer_settings, ticket):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    alerts = []
    service = TicketPrinterService(replace(printer_settings, port=free_port), on_alert=alerts.append)
    outcome = service.print_now(ticket)
    service.close()
    assert not outcome.printed and outcome.state is PrinterState.UNREACHABLE
    assert "连不上" in outcome.message_zh
    assert alerts[0].state is PrinterState.UNREACHABLE and "打印机" in alerts[0].message_zh


def test_paper_running_out_during_the_ticket_offers_a_reprint_with_the_same_number(
        simulator, printer_settings, ticket, decode_escpos, printed_lines):
    # GIVEN a roll that ends while the ticket is printing
    simulator.engine.on_job = lambda index, job: simulator.set_state("paper_out")
    alerts = []
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    outcome = service.print_now(ticket)
    # THEN the kiosk knows the ticket may be incomplete and shows the number on screen
    assert not outcome.printed and outcome.maybe_incomplete and outcome.show_on_screen
    assert "补打" in outcome.message_zh
    assert alerts[-1].state is PrinterState.PAPER_OUT
    # WHEN staff change the roll and reprint
    simulator.engine.on_job = None
    simulator.set_state("ok")
    reprinted = service.print_now(replace(ticket, reprint=True))
    service.close()
    # THEN the reprint carries the same number and ticket id, marked 补打
    assert reprinted.printed and reprinted.reprint
    assert simulator.wait_for_jobs(2)
    lines = printed_lines(decode_escpos(simulator.jobs[1]))
    assert "排队号票【补打】" in lines and "A012" in lines and "票号：20261127-A012" in lines


def test_the_same_ticket_is_never_printed_twice_unless_reprinted(simulator, printer_settings, ticket,
                                                                 decode_escpos, printed_lines):
    service = TicketPrinterService(printer_settings)
    first = service.print_now(ticket)
    double_tap = service.print_now(ticket)
    assert first.printed and double_tap.duplicate and double_tap.job_bytes == 0
    assert "已经打印过" in double_tap.message_zh
    done = threading.Event()
    service.reprint(ticket, lambda outcome: done.set())
    assert done.wait(10)
    service.close()
    assert simulator.wait_for_jobs(2)
    time.sleep(0.2)
    assert len(simulator.jobs) == 2
    assert "排队号票【补打】" in printed_lines(decode_escpos(simulator.jobs[1]))
    assert "排队号票" in printed_lines(decode_escpos(simulator.jobs[0]))


def test_submit_returns_at_once_and_reports_on_the_worker_thread(simulator, printer_settings, ticket):
    # GIVEN a printer that will take its full status timeout to not answer
    simulator.set_state("silent")
    service = TicketPrinterService(printer_settings)
    results, threads = [], []
    done = threading.Event()

    def on_done(outcome):
        results.append(outcome)
        threads.append(threading.current_thread())
        done.set()

    started = time.monotonic()
    service.submit(ticket, on_done)
    # THEN the caller (the UI thread) is not held up by the device I/O
    assert time.monotonic() - started < 0.5, "the status wait (1 s) happens on the worker"
    assert done.wait(5)
    service.close()
    assert threads[0] is not threading.current_thread()
    assert results[0].state is PrinterState.NO_ANSWER


def test_a_failing_callback_does_not_stop_later_jobs(simulator, printer_settings, ticket, receipt):
    service = TicketPrinterService(printer_settings)

    def broken(outcome):
        raise RuntimeError("screen went away")

    service.submit(ticket, broken)
    assert service.print_now(receipt).printed
    service.close()


@pytest.mark.parametrize("state,expected", [
    ("ok", PrinterState.READY), ("near_end", PrinterState.NEAR_END), ("paper_out", PrinterState.PAPER_OUT),
    ("cover_open", PrinterState.COVER_OPEN), ("offline", PrinterState.OFFLINE), ("error", PrinterState.ERROR),
])
def test_status_query_reads_each_state_over_the_network(state, expected, simulator, printer_settings):
    simulator.set_state(state)
    status = TicketPrinterService(printer_settings).status()
    assert status.state is expected
    assert status.message_zh


# -- the decoder on its own ----------------------------------------------------------
@pytest.mark.parametrize("replies,expected", [
    ((0x12, 0x12, 0x12, 0x12), PrinterState.READY),
    ((0x12, 0x12, 0x12, 0x1E), PrinterState.NEAR_END),
    ((0x1A, 0x32, 0x12, 0x7E), PrinterState.PAPER_OUT),
    ((0x1A, 0x16, 0x12, 0x12), PrinterState.COVER_OPEN),
    ((0x1A, 0x12, 0x12, 0x12), PrinterState.OFFLINE),
    ((0x12, 0x12, 0x12, 0x72), PrinterState.PAPER_OUT),  # sensor says empty before the printer stops
    ((0xFF, 0xFF, 0xFF, 0xFF), PrinterState.BAD_REPLY),
    ((0x00, 0x00, 0x00, 0x00), PrinterState.BAD_REPLY),
])
def test_decoder_reads_the_epson_status_table(replies, expected):
    assert decode_status(dict(zip((1, 2, 3, 4), replies))).state is expected


def test_a_missing_reply_is_no_answer_not_ready():
    assert decode_status({1: b"\x12", 2: b"\x12", 3: b"\x12", 4: b""}).state is PrinterState.NO_ANSWER
    assert decode_status({}).state is PrinterState.NO_ANSWER


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 255)), min_size=4, max_size=4))
def test_ready_only_when_every_reply_is_valid_and_clean(values):
    status = decode_status(dict(zip((1, 2, 3, 4), values)))
    clean = all(v is not None and v & 0x93 == 0x12 for v in values)
    if status.can_print:
        assert clean and not values[0] & 0x08 and not values[3] & 0x60 == 0x60
    if any(v is None for v in values):
        assert status.state is PrinterState.NO_ANSWER


def test_a_cable_pulled_mid_ticket_is_reported_as_maybe_incomplete(simulator, printer_settings, ticket):
    simulator.engine.hang_up_after = 100
    alerts = []
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    outcome = service.print_now(ticket)
    service.close()
    assert not outcome.printed and outcome.maybe_incomplete and outcome.show_on_screen
    assert "补打" in outcome.message_zh
    assert alerts and "不完整" in alerts[-1].message_zh


@hsettings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"\x1b@\x1c&", b"\x1dv0\x00\x02\x00\x03\x00",
                                                  b"\x1d(k\x05\x001P0ab", b"\x1d!\xff"]))
def test_the_simulator_survives_malformed_jobs(noise, prefix):
    from devices.printer.sim_render import render_job
    from devices.printer.simulator import PrinterEngine

    engine = PrinterEngine(width_dots=384)
    session = engine.session()
    for start in range(0, len(prefix + noise), 7):  # arrives in odd-sized pieces
        session.feed((prefix + noise)[start:start + 7])
    session.close()
    for job in engine.jobs:
        image, _ = render_job(job, 384)
        assert image.width == 384 + 32


def test_a_job_python_escpos_refuses_half_way_is_reported_incomplete_and_alerted(tmp_path, ticket):
    from devices.printer.document import PrintDocument, QrBlock, TextLine
    from devices.printer.settings import PrinterSettings

    # GIVEN a job whose text goes out before python-escpos refuses its QR (module size 17 > 16)
    device = tmp_path / "lp0"
    document = PrintDocument("queue_ticket", (TextLine("A012", 4, True, "center"), QrBlock("http://x/t/1", 17)),
                             576, key="20261127-A012")
    alerts = []
    service = TicketPrinterService(PrinterSettings(driver="file", file_path=str(device)), on_alert=alerts.append)
    outcome = service.print_now(document)
    service.close()
    # THEN the half-printed ticket (no cut) is reported as maybe incomplete, with its
    # size, the number stays on screen, and staff are alerted
    assert device.stat().st_size > 0
    assert not outcome.printed and outcome.maybe_incomplete and outcome.show_on_screen
    assert outcome.job_bytes == device.stat().st_size
    assert "补打" in outcome.message_zh and outcome.key == "20261127-A012"
    assert alerts and alerts[-1].job_key == "20261127-A012" and "ValueError" in alerts[-1].message_en


def test_status_query_behind_a_job_still_in_the_send_buffer_waits_for_room():
    import socket

    from escpos.printer import Network

    from devices.printer.connection import read_status

    # GIVEN a network printer busy with a long job: its buffer is full, so the kiosk's
    # send buffer is full too; the printer reads again 0.3 s later and answers DLE EOT
    kiosk_end, printer_end = socket.socketpair()
    kiosk_end.setblocking(False)
    backlog = 0
    try:
        while True:
            backlog += kiosk_end.send(bytes(65536))
    except BlockingIOError:
        pass
    kiosk_end.setblocking(True)

    def busy_printer():
        time.sleep(0.3)
        received = 0
        try:
            while chunk := printer_end.recv(65536):
                received += len(chunk)
                if received > backlog:  # past the job: the rest are status queries
                    queries = chunk[max(0, len(chunk) - (received - backlog)):].count(b"\x10\x04")
                    printer_end.sendall(b"\x12" * queries)
        except OSError:
            pass

    printer = Network("127.0.0.1", timeout=5)
    printer.device = kiosk_end
    thread = threading.Thread(target=busy_printer, daemon=True)
    thread.start()
    try:
        # WHEN the kiosk asks for the status after the job
        status = read_status(printer, timeout=2.0, restore_timeout=5.0)
    finally:
        kiosk_end.close()
        printer_end.close()
        thread.join(5)
    # THEN the query waits for room and gets its answer (it was "unreachable", which
    # marked every long network job as maybe incomplete and alerted staff)
    assert status.state is PrinterState.READY, status.message_en

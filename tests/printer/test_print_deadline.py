"""A caller that stops waiting for a job is told the truth about it.

`print_now` (the CLI's `kiosk printer sample`) waits a limited time. When the time is
up the job is either withdrawn before a byte of it went to the printer (and then it
never prints), or it is reported as "may have printed" (maybe incomplete): never
"not printed" while it can still come out, since an operator who retries would get
two slips with the same number. Everything runs through the real drivers against
the TCP simulator.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from waiting import wait_until

from devices.printer import messages_zh as zh
from devices.printer.service import TicketPrinterService
from devices.printer.status import PrinterState


def _codes(simulator, decode_escpos, printed_lines) -> list[str]:
    """The queue codes on the slips the simulator printed, in order."""
    codes = []
    for data in simulator.jobs:
        lines = printed_lines(decode_escpos(data))
        codes += [line for line in lines if line in ("A012", "A013")]
    return codes


def _settle(simulator, count: int) -> None:
    # The simulator records a job when its link closes, a moment after the service returns.
    simulator.wait_for_jobs(count, timeout=2)
    time.sleep(0.3)


def test_a_ticket_still_queued_at_the_deadline_is_withdrawn_and_never_prints_later(
        simulator, printer_settings, ticket, receipt, decode_escpos, printed_lines):
    # GIVEN a printer that does not answer DLE EOT, so the job ahead holds the worker
    # for the whole status timeout (1 s)
    simulator.set_state("silent")
    alerts = []
    service = TicketPrinterService(printer_settings, on_alert=alerts.append)
    ahead_done = threading.Event()
    service.submit(receipt, lambda outcome: ahead_done.set())
    try:
        # WHEN the CLI waits only 0.3 s for a ticket queued behind that job
        outcome = service.print_now(ticket, timeout=0.3)
        # AND the printer answers again before the worker reaches the ticket
        simulator.set_state("ok")
        assert ahead_done.wait(5)
        # THEN the ticket does not come out later: the next job prints, the one the
        # CLI gave up on never does
        next_ticket = replace(ticket, ticket_id="20261127-A013", code="A013")
        assert service.print_now(next_ticket).printed
        _settle(simulator, 1)
        assert _codes(simulator, decode_escpos, printed_lines) == ["A013"]
        # AND the CLI was told so: not printed, nothing sent, withdrawn
        assert not outcome.printed and not outcome.maybe_incomplete and outcome.show_on_screen
        assert outcome.job_bytes == 0 and outcome.message_zh == zh.CITIZEN_TIMEOUT
        assert outcome.key == ticket.ticket_id
        assert "withdrawn" in outcome.message_en
        assert [a.job_key for a in alerts].count(ticket.ticket_id) == 1, "staff hear of it once"
        # AND the operator's retry prints the number exactly once
        assert service.print_now(ticket).printed
        _settle(simulator, 2)
        assert _codes(simulator, decode_escpos, printed_lines) == ["A013", "A012"]
    finally:
        service.close()


def test_a_ticket_already_sent_at_the_deadline_is_reported_as_maybe_printed_not_as_not_printed(
        simulator, printer_settings, ticket, decode_escpos, printed_lines):
    # GIVEN a printer that takes the whole ticket and then stops answering DLE EOT, so
    # the status check after the cut waits its full timeout (3 s)
    simulator.engine.on_job = lambda index, job: simulator.set_state("silent")
    alerts = []
    service = TicketPrinterService(replace(printer_settings, status_timeout_seconds=3.0), on_alert=alerts.append)
    try:
        # WHEN the CLI stops waiting after 1 s, with the ticket on the wire
        outcome = service.print_now(ticket, timeout=1.0)
        # THEN it is told the ticket may have printed (check the printer, then 补打),
        # never "not printed"
        assert not outcome.printed and outcome.maybe_incomplete and outcome.show_on_screen
        assert outcome.message_zh == zh.CITIZEN_MAYBE_INCOMPLETE
        assert outcome.job_bytes > 0 and outcome.key == ticket.ticket_id
        assert "may still print" in outcome.message_en
        assert alerts and alerts[-1].message_zh == zh.STAFF_STILL_SENDING
        # AND indeed the slip came out
        _settle(simulator, 1)
        assert _codes(simulator, decode_escpos, printed_lines) == ["A012"]
    finally:
        service.close()


def test_a_job_that_finishes_in_time_gets_its_real_outcome(simulator, printer_settings, ticket):
    service = TicketPrinterService(printer_settings)
    try:
        outcome = service.print_now(ticket, timeout=10)
    finally:
        service.close()
    assert outcome.printed and outcome.state is PrinterState.READY and outcome.job_bytes > 0


# -- the kiosk's own path: submit() with its on_done callback ------------------------------
def test_a_ticket_the_kiosk_gave_up_on_is_never_printed_nor_reported_later(
        simulator, printer_settings, ticket, receipt, decode_escpos, printed_lines):
    # GIVEN the ticket queued behind a job that holds the worker (silent printer)
    simulator.set_state("silent")
    service = TicketPrinterService(printer_settings)
    ahead_done = threading.Event()
    service.submit(receipt, lambda outcome: ahead_done.set())
    late = []
    handle = service.submit(ticket, late.append)
    try:
        # WHEN the app stops waiting and puts "not printed" on the screen
        told = handle.give_up()
        assert not told.printed and not told.maybe_incomplete and told.show_on_screen
        # AND the printer recovers before the worker reaches the ticket
        simulator.set_state("ok")
        assert ahead_done.wait(5)
        assert service.print_now(replace(ticket, ticket_id="20261127-A013", code="A013")).printed
        _settle(simulator, 1)
        # THEN the ticket never prints and no later outcome contradicts the screen
        assert _codes(simulator, decode_escpos, printed_lines) == ["A013"]
        assert late == []
        # AND asking again gives the same answer
        assert handle.give_up() == told
    finally:
        service.close()


def test_the_kiosk_gets_one_outcome_per_ticket_and_not_printed_means_nothing_was_sent(
        simulator, printer_settings, ticket, decode_escpos, printed_lines):
    # GIVEN a printer out of paper when the ticket is submitted
    simulator.set_state("paper_out")
    service = TicketPrinterService(printer_settings)
    results = []
    done = threading.Event()
    handle = service.submit(ticket, lambda outcome: (results.append(outcome), done.set()))
    try:
        assert done.wait(5)
        # THEN the screen hears "not printed" once, and the worker's answer is final
        assert len(results) == 1 and not results[0].printed and not results[0].maybe_incomplete
        assert results[0].job_bytes == 0
        assert handle.give_up() == results[0]
        # AND after the paper is changed the refused ticket is not sent on its own
        simulator.set_state("ok")
        assert service.print_now(replace(ticket, ticket_id="20261127-A013", code="A013")).printed
        _settle(simulator, 1)
        assert _codes(simulator, decode_escpos, printed_lines) == ["A013"]
    finally:
        service.close()


@pytest.mark.parametrize("stage", ["queued", "sending"])
def test_giving_up_twice_answers_the_same(stage, simulator, printer_settings, ticket, receipt):
    service = TicketPrinterService(replace(printer_settings, status_timeout_seconds=2.0))
    try:
        if stage == "queued":
            simulator.set_state("silent")
            service.submit(receipt)
            handle = service.submit(ticket)
        else:
            simulator.engine.on_job = lambda index, job: simulator.set_state("silent")
            handle = service.submit(ticket)
            wait_until(lambda: simulator.jobs, 5, 0.02, "the ticket at the printer")
        first = handle.give_up()
        assert handle.give_up() == first
        assert first.maybe_incomplete is (stage == "sending")
    finally:
        service.close()

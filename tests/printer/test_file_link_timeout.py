"""A file printer (`/dev/usb/lp0`) that stops taking data must not hang the print worker.

The kernel's usblp driver blocks a write while the printer is out of paper. Here a
real named pipe stands in for it: the test holds the read end open but does not read,
and the pipe buffer is full, so the printer's writes cannot make progress. No mocks:
the service opens the FIFO through its file driver and writes with python-escpos.
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import threading
import time
from dataclasses import replace

import pytest
from waiting import wait_until

from devices.printer import messages_zh as zh
from devices.printer.service import TicketPrinterService
from devices.printer.settings import PrinterSettings
from devices.printer.status import PrinterState

TIMEOUT = 1.0
# CI is a loaded 2-core machine: the bound is the write timeout plus a wide margin.
MARGIN = 2.5
JOB_START = b"\x1b@\x1c&"  # ESC @, FS & (Chinese mode)


class StoppedPrinter:
    """A FIFO at `path` whose buffer the test controls; `drain()` makes it a printer
    that takes data again (everything read is kept in `received`)."""

    def __init__(self, path, room: int = 0) -> None:
        os.mkfifo(path)
        self.path = path
        self.reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        # A writer of our own keeps the pipe (and its contents) alive between jobs.
        self.filler = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        self.capacity = fcntl.fcntl(self.filler, fcntl.F_SETPIPE_SZ, 4096)  # one page
        self.prefilled = self._fill(self.capacity - room)
        self.received = bytearray()
        self._stop = threading.Event()
        self._drainer: threading.Thread | None = None

    def _fill(self, amount: int) -> int:
        filled = 0
        while filled < amount:
            try:
                filled += os.write(self.filler, b"\0" * min(4096, amount - filled))
            except BlockingIOError:
                break
        if amount == self.capacity:  # completely full: not one more byte fits
            with pytest.raises(BlockingIOError):
                os.write(self.filler, b"\0")
        return filled

    def drain(self) -> None:
        def run() -> None:
            while not self._stop.is_set():
                if select.select([self.reader], [], [], 0.05)[0]:
                    try:
                        self.received += os.read(self.reader, 65536)
                    except BlockingIOError:
                        pass

        self._drainer = threading.Thread(target=run, name="fifo-drainer", daemon=True)
        self._drainer.start()

    def job_bytes(self, expected: int, wait: float = 5.0) -> bytes:
        """What the printer wrote after the pre-filled bytes, once `expected` arrived."""
        wait_until(lambda: len(self.received) >= self.prefilled + expected, wait, 0.02,
                   f"{expected} bytes at the device file")
        return bytes(self.received[self.prefilled:])

    def close(self) -> None:
        self._stop.set()
        if self._drainer is not None:
            self._drainer.join(2)
        os.close(self.filler)
        os.close(self.reader)


@pytest.fixture
def file_settings(tmp_path):
    return PrinterSettings(driver="file", file_path=str(tmp_path / "lp0"), paper_width_mm=58,
                           timeout_seconds=TIMEOUT)


def test_a_file_printer_that_stops_taking_data_fails_the_job_in_time_and_prints_again_later(
        tmp_path, file_settings, ticket, decode_escpos, printed_lines, caplog):
    caplog.set_level(logging.WARNING, logger="devices.printer")
    # GIVEN a device file that accepts no data (usblp with the paper out)
    printer = StoppedPrinter(tmp_path / "lp0")
    alerts = []
    service = TicketPrinterService(file_settings, on_alert=alerts.append)
    try:
        # WHEN a ticket is printed
        started = time.monotonic()
        outcome = service.print_now(ticket, timeout=TIMEOUT + MARGIN + 5)
        elapsed = time.monotonic() - started
        # THEN the job ends after the write timeout, not never
        assert elapsed < TIMEOUT + MARGIN, f"took {elapsed:.2f} s"
        assert elapsed >= TIMEOUT * 0.9, "it gave the printer the configured time"
        # AND nothing was sent, so the ticket is not printed and the screen shows the number
        assert not outcome.printed and not outcome.maybe_incomplete and outcome.show_on_screen
        assert outcome.job_bytes == 0 and outcome.key == ticket.ticket_id
        assert outcome.state is PrinterState.OFFLINE
        assert outcome.message_zh == zh.CITIZEN_NOT_ACCEPTING
        assert "请记住屏幕上的号码" in outcome.message_zh and "缺纸" in outcome.message_zh
        assert "stopped accepting data" in outcome.message_en
        # AND staff are alerted in Chinese, and the log says what happened in English
        assert len(alerts) == 1 and alerts[0].message_zh == zh.STAFF_NOT_ACCEPTING
        assert alerts[0].job_key == ticket.ticket_id and alerts[0].state is PrinterState.OFFLINE
        assert any("stopped accepting data" in r.getMessage() for r in caplog.records
                   if r.levelno == logging.WARNING)

        # WHEN the next citizen's ticket is queued while the printer is still stuck
        second = replace(ticket, ticket_id="20261127-A013", code="A013")
        done = threading.Event()
        results = []
        started = time.monotonic()
        service.submit(second, lambda o: (results.append(o), done.set()))
        # THEN the UI callback arrives promptly with the same kind of outcome
        assert done.wait(TIMEOUT + MARGIN), "on_done never came: the worker is stuck"
        assert time.monotonic() - started < TIMEOUT + MARGIN
        assert not results[0].printed and results[0].message_zh == zh.CITIZEN_NOT_ACCEPTING
        assert results[0].key == second.ticket_id and len(alerts) == 2

        # WHEN the printer takes data again (paper changed)
        printer.drain()
        third = replace(ticket, ticket_id="20261127-A014", code="A014")
        started = time.monotonic()
        printed = service.print_now(third, timeout=TIMEOUT + MARGIN + 5)
        # THEN the same worker prints the next ticket, complete, and only that one
        assert time.monotonic() - started < TIMEOUT + MARGIN
        assert printed.printed and printed.state is PrinterState.NOT_READABLE, printed.message_en
        assert printed.job_bytes > 0
        job = printer.job_bytes(printed.job_bytes)
        assert job.startswith(JOB_START)
        assert len(job) == printed.job_bytes, "the stuck jobs sent nothing"
        ops = decode_escpos(job)
        assert ops[-1].kind == "cut" and "A014" in printed_lines(ops)
        assert len(alerts) == 2
    finally:
        service.close()
        printer.close()


def test_a_file_printer_that_stops_half_way_offers_a_reprint(tmp_path, file_settings, ticket):
    # GIVEN a device file with room for only the first few bytes of a ticket
    printer = StoppedPrinter(tmp_path / "lp0", room=40)
    alerts = []
    service = TicketPrinterService(file_settings, on_alert=alerts.append)
    try:
        started = time.monotonic()
        outcome = service.print_now(ticket, timeout=TIMEOUT + MARGIN + 5)
        elapsed = time.monotonic() - started
        # THEN the job ends in time, the start of the ticket is known to be out, and the
        # citizen is offered a 补打 with the same number
        assert elapsed < TIMEOUT + MARGIN, f"took {elapsed:.2f} s"
        assert not outcome.printed and outcome.maybe_incomplete and outcome.show_on_screen
        assert 0 < outcome.job_bytes <= 40
        assert outcome.message_zh == zh.CITIZEN_MAYBE_INCOMPLETE and "补打" in outcome.message_zh
        assert len(alerts) == 1 and alerts[0].message_zh == zh.STAFF_STALLED_MID_JOB
        # AND what went out is the start of the ticket
        printer.drain()
        assert printer.job_bytes(outcome.job_bytes).startswith(JOB_START)
    finally:
        service.close()
        printer.close()


def test_a_fifo_nobody_reads_is_unreachable_at_once(tmp_path, file_settings, ticket):
    # GIVEN a device node with nothing behind it (no reader on the FIFO)
    os.mkfifo(tmp_path / "lp0")
    alerts = []
    service = TicketPrinterService(file_settings, on_alert=alerts.append)
    started = time.monotonic()
    outcome = service.print_now(ticket, timeout=TIMEOUT + MARGIN + 5)
    service.close()
    # THEN opening does not hang either
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert not outcome.printed and outcome.state is PrinterState.UNREACHABLE
    assert "连不上" in outcome.message_zh and alerts


def test_a_ticket_stuck_in_the_device_at_the_cli_deadline_is_reported_as_maybe_printed(
        tmp_path, ticket, decode_escpos, printed_lines):
    # GIVEN a device file that takes no data for now, and a write timeout (3 s) longer
    # than the CLI is willing to wait (0.5 s)
    settings = PrinterSettings(driver="file", file_path=str(tmp_path / "lp0"), paper_width_mm=58,
                               timeout_seconds=3.0)
    printer = StoppedPrinter(tmp_path / "lp0")
    alerts = []
    service = TicketPrinterService(settings, on_alert=alerts.append)
    try:
        # WHEN the CLI gives up while the worker is handing the ticket to the device
        outcome = service.print_now(ticket, timeout=0.5)
        # THEN it is told the ticket may still print, not that it was not printed
        assert not outcome.printed and outcome.maybe_incomplete and outcome.show_on_screen
        assert outcome.message_zh == zh.CITIZEN_MAYBE_INCOMPLETE and "may still print" in outcome.message_en
        assert alerts and alerts[-1].message_zh == zh.STAFF_STILL_SENDING
        # WHEN the printer takes data again before the write timeout (paper changed)
        printer.drain()
        # THEN the whole ticket does come out: "not printed" would have been a lie
        wait_until(lambda: b"\x1dVB" in printer.received, 5, 0.02, "the cut at the end of the ticket")
        ops = decode_escpos(bytes(printer.received[printer.prefilled:]))
        assert ops[-1].kind == "cut" and "A012" in printed_lines(ops)
        # AND a plain retry of the same ticket does not print a second original
        retry = service.print_now(ticket, timeout=TIMEOUT + MARGIN + 5)
        assert retry.duplicate and retry.job_bytes == 0
    finally:
        service.close()
        printer.close()

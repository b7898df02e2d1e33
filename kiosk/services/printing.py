"""Printing for every front end: a queue ticket, a materials checklist, a drop-off receipt,
a staff test slip.

What the printer package reports (printed, maybe incomplete, out of paper …) is
turned into the one thing a screen needs, a PrintResult, and printer trouble is
raised as a staff alert here, not in each front end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from devices.base.clock import Clock
from kiosk import texts_zh
from kiosk.alerts import AlertLog
from kiosk.config import Settings
from kiosk.services.links import PublicLinks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintResult:
    """What the screen needs to know about a print, whatever the printer package says."""

    printed: bool
    message_zh: str
    message_en: str
    show_on_screen: bool


PRINTER_NOT_STARTED = PrintResult(False, "打印机没有启动，请记住屏幕上的号码", "printer service not started", True)


class PrintService:
    """Lays out jobs from hall data and hands them to the printer's worker (never blocks).

    `printer` is the device service (devices.printer.service.TicketPrinterService) once
    the devices have started; until then every job is answered PRINTER_NOT_STARTED.
    `on_done` is called on the printer's worker thread.
    """

    def __init__(self, settings: Settings, alerts: AlertLog, clock: Clock, links: PublicLinks) -> None:
        self.settings = settings
        self.alerts = alerts
        self.clock = clock
        self.links = links
        self.printer: Any = None

    def attach(self, printer: Any) -> None:
        self.printer = printer

    def printer_alert(self, alert: Any) -> None:
        """The printer's own alert callback (paper low, cover open …) -> the hall's alert log."""
        level = "warning" if alert.state.value == "near_end" else "error"
        self.alerts.raise_alert("printer", level, alert.state.value, alert.message_zh, alert.message_en)

    def print_ticket(self, issued: Any, masked_name: str, on_done: Callable[[PrintResult], None]) -> None:
        from devices.printer.layouts import QueueTicket

        window_numbers = [w.number for w in self.settings.windows if issued.ticket.queue_id in w.queues]
        job = QueueTicket(
            hall_name=self.settings.hall.name,
            queue_name=issued.queue_name,
            code=issued.code,
            people_ahead=issued.people_ahead,
            wait_minutes_low=issued.estimate.low_minutes,
            wait_minutes_high=issued.estimate.high_minutes,
            wait_text=issued.estimate.text_zh,  # word for word what the screen and the phone page say
            issued_at=issued.ticket.issued_at,
            qr_url=self.links.issued_ticket(issued),
            masked_name=masked_name,
            window_hint=texts_zh.window_hint(window_numbers),
            ticket_id=str(issued.ticket.id),
        )
        self._submit(job, on_done)

    def print_checklist(self, guide: Any, on_done: Callable[[PrintResult], None]) -> None:
        from devices.printer.layouts import MaterialsChecklist
        from kiosk.guides.catalogue import checklist_items, checklist_notes

        job = MaterialsChecklist(
            hall_name=self.settings.hall.name,
            matter_name=guide.name,
            items=tuple(checklist_items(guide)),
            notes=tuple(checklist_notes(guide)),
            qr_url=self.links.guide(guide.id),
        )
        self._submit(job, on_done)

    def print_receipt(self, receipt_job: Any, on_done: Callable[[PrintResult], None]) -> None:
        """A drop-off receipt (devices.printer.layouts.DropoffReceipt, from DropoffService.receipt)."""
        self._submit(receipt_job, on_done)

    def test_print(self, on_done: Callable[[PrintResult], None]) -> None:
        from devices.printer.layouts import sample_ticket

        queue = self.settings.queues[0]
        job = sample_ticket(queue.prefix, queue.name, self.settings.hall.name, self.settings.hall.public_url,
                            self.clock.now())
        self._submit(job, on_done, reprint=True)

    def _submit(self, job: Any, on_done: Callable[[PrintResult], None], reprint: bool = False) -> None:
        if self.printer is None:
            on_done(PRINTER_NOT_STARTED)
            return

        def finished(outcome: Any) -> None:
            if outcome.printed and not outcome.maybe_incomplete:
                self.alerts.resolve("printer")
            message_zh = outcome.message_zh
            # A job carries a QR link only while its page is served (PublicLinks, or the hall server).
            if outcome.show_on_screen and getattr(job, "qr_url", ""):
                # The screen then shows the ticket's QR: say it can be scanned instead.
                message_zh += texts_zh.PRINT_FAILED_SCAN_QR
            on_done(PrintResult(outcome.printed, message_zh, outcome.message_en, outcome.show_on_screen))

        if reprint:
            self.printer.reprint(job, finished)
        else:
            self.printer.submit(job, finished)

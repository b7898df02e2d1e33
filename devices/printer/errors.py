"""Typed printer errors (Chinese for the screen, English for the log)."""

from __future__ import annotations

from devices.printer import messages_zh as zh
from devices.base.errors import KioskError


class PrinterError(KioskError):
    code = "printer_error"


class PrinterUnreachable(PrinterError):
    """The link could not be opened or broke while writing."""

    code = "printer_unreachable"

    def __init__(self, message_en: str, **details: object) -> None:
        super().__init__(message_en, zh.CITIZEN_BY_STATE["unreachable"], **details)


class PrinterDriverMissing(PrinterError):
    code = "printer_driver_missing"

    def __init__(self, message_en: str, **details: object) -> None:
        super().__init__(message_en, zh.ERROR_DRIVER_MISSING, **details)


class FontNotFound(PrinterError):
    code = "printer_font_not_found"

    def __init__(self, candidates: tuple[str, ...]) -> None:
        super().__init__(
            "no CJK font found for image rendering; looked at: " + ", ".join(candidates)
            + ". Install fonts-wqy-microhei (apt) or set KIOSK_CJK_FONT to a .ttc/.ttf/.otf file",
            zh.ERROR_NO_FONT,
            candidates=", ".join(candidates),
        )


class UnknownPrintJob(PrinterError):
    code = "printer_unknown_job"

    def __init__(self, job: object) -> None:
        super().__init__(f"cannot lay out a {type(job).__name__} for printing", zh.ERROR_UNKNOWN_JOB)


class UnknownSampleQueue(PrinterError):
    """`kiosk ticket render --queue Z`: the hall has no such queue to draw a sample for."""

    code = "unknown_queue"


class SimulatorError(PrinterError):
    code = "printer_simulator_error"


class OutputNotWritable(PrinterError):
    code = "printer_output_not_writable"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}", zh.ERROR_CANNOT_WRITE, path=path)


class PrinterWriteStalled(TimeoutError):
    """A device file (`/dev/usb/lp0`) accepted no data within the write timeout.

    The kernel's usblp driver stops taking data while the printer is out of paper,
    has its cover open or is offline. An OSError (not a PrinterError) so that every
    "link broke while writing" path catches it; `bytes_written` counts the bytes of
    the interrupted write that the device did accept before it stalled.
    """

    def __init__(self, message: str, bytes_written: int = 0, waited: float = 0.0) -> None:
        super().__init__(message)
        self.bytes_written = bytes_written
        self.waited = waited

"""Real-time printer status (DLE EOT 1..4): the decoder and the states the kiosk acts on.

python-escpos' own `paper_status()` reads an empty reply as "paper adequate" and never
checks the fixed bits, so the kiosk decodes the four replies itself. A missing reply
is its own state (`NO_ANSWER`) and never means "ready".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Mapping

from devices.printer import messages_zh as zh

DLE_EOT = b"\x10\x04"
STATUS_QUERIES = (1, 2, 3, 4)

# Every DLE EOT reply has the fixed pattern 0xx1xx10: bits 1 and 4 set, bits 0 and 7 clear.
FIXED_MASK = 0x93
FIXED_VALUE = 0x12

# n=1 printer status
BIT_OFFLINE = 0x08
# n=2 offline cause
BIT_COVER_OPEN = 0x04
BIT_STOPPED_BY_PAPER_END = 0x20
BIT_ERROR_OCCURRED = 0x40
# n=3 error cause
BITS_ERROR = 0x08 | 0x20 | 0x40  # autocutter, unrecoverable, auto-recoverable
# n=4 roll paper sensor
BITS_NEAR_END = 0x0C
BITS_PAPER_END = 0x60


class PrinterState(str, enum.Enum):
    READY = "ready"
    NEAR_END = "near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"
    NO_ANSWER = "no_answer"
    BAD_REPLY = "bad_reply"
    # The link cannot read (a plain file / spooler): status is unknown, the job is sent blind.
    NOT_READABLE = "not_readable"
    # The link could not be opened at all.
    UNREACHABLE = "unreachable"

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.READY, PrinterState.NEAR_END, PrinterState.NOT_READABLE)

    @property
    def needs_staff(self) -> bool:
        return self not in (PrinterState.READY, PrinterState.NOT_READABLE)


_ENGLISH = {
    PrinterState.READY: "printer ready",
    PrinterState.NEAR_END: "paper near end (printing continues; change the roll soon)",
    PrinterState.PAPER_OUT: "paper out",
    PrinterState.COVER_OPEN: "cover open",
    PrinterState.OFFLINE: "printer offline",
    PrinterState.ERROR: "printer error (cutter or unrecoverable)",
    PrinterState.NO_ANSWER: "printer did not answer the status query",
    PrinterState.BAD_REPLY: "status reply does not have the ESC/POS fixed bits",
    PrinterState.NOT_READABLE: "link cannot read status (file/spooler); sent without checking",
    PrinterState.UNREACHABLE: "printer link could not be opened",
}


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    # Raw reply byte per DLE EOT n; missing n = no reply.
    replies: Mapping[int, int] = field(default_factory=dict)
    detail: str = ""

    @property
    def can_print(self) -> bool:
        return self.state.can_print

    @property
    def message_zh(self) -> str:
        return zh.CITIZEN_BY_STATE[self.state.value]

    @property
    def staff_message_zh(self) -> str:
        return zh.STAFF_BY_STATE.get(self.state.value, "")

    @property
    def message_en(self) -> str:
        text = _ENGLISH[self.state]
        if self.replies:
            text += " [DLE EOT " + " ".join(f"{n}:{b:02x}" for n, b in sorted(self.replies.items())) + "]"
        if self.detail:
            text += f" ({self.detail})"
        return text

    def as_dict(self) -> dict:
        return {
            "state": self.state.value,
            "can_print": self.can_print,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "replies": {str(n): f"{b:02x}" for n, b in sorted(self.replies.items())},
        }


def decode_status(replies: Mapping[int, bytes | int | None]) -> PrinterStatus:
    """Turn the replies to DLE EOT 1..4 into one state.

    A reply may be bytes (the first byte counts) or an int; None/b"" = no answer.
    Priority: no answer > bad reply > paper out > cover open > error > offline > near end.
    """
    values: dict[int, int] = {}
    for n in STATUS_QUERIES:
        reply = replies.get(n)
        if isinstance(reply, (bytes, bytearray)):
            reply = reply[0] if reply else None
        if reply is None:
            return PrinterStatus(PrinterState.NO_ANSWER, values, detail=f"no reply to DLE EOT {n}")
        values[n] = int(reply)
    for n, value in values.items():
        if value & FIXED_MASK != FIXED_VALUE:
            return PrinterStatus(PrinterState.BAD_REPLY, values, detail=f"DLE EOT {n} answered {value:02x}")
    printer, cause, error, paper = (values[n] for n in STATUS_QUERIES)
    if paper & BITS_PAPER_END == BITS_PAPER_END or cause & BIT_STOPPED_BY_PAPER_END:
        state = PrinterState.PAPER_OUT
    elif cause & BIT_COVER_OPEN:
        state = PrinterState.COVER_OPEN
    elif error & BITS_ERROR or cause & BIT_ERROR_OCCURRED:
        state = PrinterState.ERROR
    elif printer & BIT_OFFLINE:
        state = PrinterState.OFFLINE
    elif paper & BITS_NEAR_END == BITS_NEAR_END:
        state = PrinterState.NEAR_END
    else:
        state = PrinterState.READY
    return PrinterStatus(state, values)

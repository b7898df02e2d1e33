"""Typed ID-card errors: Chinese for the screen, English for the log."""

from __future__ import annotations

from devices.idcard import messages_zh as zh
from devices.base.errors import KioskError


class IdCardError(KioskError):
    code = "idcard_error"


class CardDataError(IdCardError):
    """The card's text block is malformed. The English message never holds the data."""

    code = "idcard_data_invalid"

    def __init__(self, problem: str, **details: object) -> None:
        super().__init__(f"ID card text block rejected: {problem}", zh.CARD_UNREADABLE, **details)
        self.problem = problem


class ReaderNotFound(IdCardError):
    code = "idcard_reader_not_found"

    def __init__(self, where: str) -> None:
        super().__init__(f"ID-card reader not found: {where}", zh.PORT_NOT_FOUND, where=where)


class ReaderNotAnswering(IdCardError):
    code = "idcard_reader_not_answering"

    def __init__(self, port: str, bauds: tuple[int, ...]) -> None:
        tried = ", ".join(str(b) for b in bauds)
        super().__init__(f"no SAM module answers on {port} at {tried} baud", zh.READER_FAULT, port=port)


class ReaderTimeout(IdCardError):
    code = "idcard_reader_timeout"

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"reader gave no complete answer to {what} within {seconds:.1f} s", zh.READER_FAULT)


class ReaderBadAnswer(IdCardError):
    """A whole, checksum-correct answer whose SW1 SW2 are not 00 00 (notes §1: only SW3
    carries the status). Only the two status bytes are named, never any data."""

    code = "idcard_reader_bad_answer"

    def __init__(self, what: str, status_words: bytes) -> None:
        shown = " ".join(f"{b:02X}" for b in status_words)
        super().__init__(f"reader answered {what} with SW1 SW2 = {shown} instead of 00 00: malformed answer",
                         zh.READER_FAULT, command=what, sw1_sw2=shown)
        self.status_words = bytes(status_words)


class NoCardPlaced(IdCardError):
    code = "idcard_no_card"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no card was read within {seconds:.0f} s", zh.NO_CARD_PLACED)


class CaptureFileError(IdCardError):
    code = "idcard_capture_unreadable"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read capture file {path}: {reason}", zh.INPUT_FILE_UNREADABLE, path=path)


class SimulatorHoldersError(IdCardError):
    code = "idcard_sim_holders_invalid"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"simulator holders file {path} is not usable: {reason}", zh.SIMULATOR_HOLDERS_INVALID,
                         path=path)

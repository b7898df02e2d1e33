"""The SAM "AA AA AA 96 69" frame codec: command encoding and a resynchronising
stream parser.

Frame layout (shared/data/idcard-protocol.md §1)::

    AA AA AA 96 69 | LEN_H LEN_L | body ... | CHK
    LEN = bytes after LEN, CHK included; CHK = XOR of LEN_H .. last body byte.
    host->reader body: CMD PARA [DATA];  reader->host body: SW1 SW2 SW3 [DATA]

The parser never assumes one `read()` returns one frame: bytes are fed as they
arrive, leftovers are kept, and junk, bad lengths and bad checksums are reported
as `StreamProblem`s while the scan resumes right after the bad preamble.
Frames hold the whole card text, so nothing here logs frame contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import xor
from typing import Union

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = 7  # preamble + LEN
MIN_LEN = 3  # CMD PARA CHK
# The largest real answer (30 10 with two fingerprints) has LEN 0x090A = 2314.
MAX_LEN = 2400

# Commands (CMD, PARA).
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)
READ_LATEST_ADDRESS = (0x30, 0x03)
READ_CHIP_ID = (0x30, 0x05)
# Defined so captures can be decoded; the kiosk never sends it (no biometrics).
READ_WITH_FINGERPRINT = (0x30, 0x10)

COMMAND_NAMES: dict[tuple[int, int], str] = {
    RESET_SAM: "reset SAM",
    SAM_STATUS: "SAM status",
    SAM_ID: "read SAM id",
    FIND_CARD: "find card",
    SELECT_CARD: "select card",
    READ_TEXT_PHOTO: "read text+photo",
    READ_LATEST_ADDRESS: "read latest address",
    READ_CHIP_ID: "read chip management number",
    READ_WITH_FINGERPRINT: "read text+photo+fingerprint",
}

# SW3 status bytes (protocol notes §1, status table).
SW_OK = 0x90
SW_NO_CONTENT = 0x91
SW_CARD_FOUND = 0x9F
SW_BAD_CHECKSUM = 0x10
SW_BAD_LENGTH = 0x11
SW_BAD_COMMAND = 0x21
SW_UNAUTHORISED_OPERATION = 0x23
SW_UNKNOWN_ERROR = 0x24
SW_CARD_AUTH_SAM_FAILED = 0x31
SW_SAM_AUTH_CARD_FAILED = 0x32
SW_VERIFY_FAILED = 0x33
SW_UNKNOWN_CARD_TYPE = 0x40
SW_READ_FAILED = 0x41
SW_RANDOM_FAILED = 0x47
SW_SAM_SELF_TEST_FAILED = 0x60
SW_SAM_NOT_LICENSED = 0x66
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81

STATUS_NAMES: dict[int, str] = {
    SW_OK: "success",
    SW_NO_CONTENT: "field empty",
    SW_CARD_FOUND: "card found",
    SW_BAD_CHECKSUM: "reader got a bad checksum",
    SW_BAD_LENGTH: "reader got a bad length",
    SW_BAD_COMMAND: "unsupported command",
    SW_UNAUTHORISED_OPERATION: "operation not authorised",
    SW_UNKNOWN_ERROR: "unrecognised error",
    SW_CARD_AUTH_SAM_FAILED: "card failed to authenticate the SAM",
    SW_SAM_AUTH_CARD_FAILED: "SAM failed to authenticate the card",
    SW_VERIFY_FAILED: "information verification failed",
    SW_UNKNOWN_CARD_TYPE: "unrecognised card type",
    SW_READ_FAILED: "card read failed",
    SW_RANDOM_FAILED: "get-random failed",
    SW_SAM_SELF_TEST_FAILED: "SAM self-test failed",
    SW_SAM_NOT_LICENSED: "SAM not licensed",
    SW_NO_CARD: "no card",
    SW_SELECT_FAILED: "select failed",
}


def checksum(covered: bytes) -> int:
    """XOR of LEN_H through the last body byte (the preamble is not included)."""
    return reduce(xor, covered, 0)


def _frame(body: bytes) -> bytes:
    length = len(body) + 1
    if length > MAX_LEN:
        raise ValueError(f"frame body of {len(body)} bytes exceeds the protocol limit")
    covered = length.to_bytes(2, "big") + body
    return PREAMBLE + covered + bytes([checksum(covered)])


def encode_command(command: tuple[int, int], data: bytes = b"") -> bytes:
    """A host->reader frame, e.g. `encode_command(FIND_CARD)`."""
    cmd, para = command
    if cmd == 0:
        raise ValueError("CMD 0 is reserved: answers start with SW1 = 00")
    return _frame(bytes([cmd, para]) + data)


def encode_answer(sw3: int, data: bytes = b"") -> bytes:
    """A reader->host frame (SW1 = SW2 = 00); used by the simulator."""
    return _frame(bytes([0x00, 0x00, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """One checked frame. `body` is everything between LEN and CHK."""

    body: bytes = field(repr=False)
    offset: int = 0  # stream position of the first preamble byte

    @property
    def size(self) -> int:
        return len(self.body) + HEADER_SIZE + 1

    @property
    def is_answer(self) -> bool:
        # Commands start with CMD != 0; answers with SW1 = 00.
        return self.body[0] == 0x00

    @property
    def command(self) -> tuple[int, int] | None:
        if self.is_answer or len(self.body) < 2:
            return None
        return (self.body[0], self.body[1])

    @property
    def sw3(self) -> int | None:
        if not self.is_answer or len(self.body) < 3:
            return None
        return self.body[2]

    @property
    def status_words(self) -> bytes:
        """The first two body bytes: SW1 SW2 of an answer (CMD PARA of a command)."""
        return self.body[:2]

    @property
    def sw1_sw2_ok(self) -> bool:
        """SW1 = SW2 = 00, as in every published answer (notes §1); only SW3 carries the status."""
        return len(self.body) >= 2 and self.body[0] == 0x00 and self.body[1] == 0x00

    @property
    def data(self) -> bytes:
        return self.body[3:] if self.is_answer else self.body[2:]

    def describe(self) -> str:
        """A log-safe one-liner: names and sizes, never the data itself."""
        if self.is_answer:
            sw3 = self.sw3
            if sw3 is None:
                return f"answer (short body of {len(self.body)} bytes)"
            name = STATUS_NAMES.get(sw3, "unknown status")
            return f"answer SW3={sw3:02X} ({name}), {len(self.data)} data bytes"
        command = self.command
        name = COMMAND_NAMES.get(command, "unknown command") if command else "short command"
        cmd_hex = f"{command[0]:02X} {command[1]:02X}" if command else "?"
        return f"command {cmd_hex} ({name}), {len(self.data)} data bytes"

    def __repr__(self) -> str:
        return f"Frame(offset={self.offset}, {self.describe()})"


@dataclass(frozen=True)
class StreamProblem:
    """Bytes that did not form a frame. kind: junk | bad_length | bad_checksum | truncated."""

    kind: str
    offset: int
    size: int
    detail: str = ""

    def describe(self) -> str:
        text = {
            "junk": "junk bytes (no frame preamble)",
            "bad_length": "frame with an impossible length",
            "bad_checksum": "frame with a bad checksum",
            "truncated": "incomplete frame",
        }.get(self.kind, self.kind)
        return f"{text}: {self.size} bytes at offset {self.offset}" + (f" ({self.detail})" if self.detail else "")


ParseItem = Union[Frame, StreamProblem]


def _partial_preamble_suffix(buffer: bytearray) -> int:
    """Length of the longest tail of `buffer` that could still grow into a preamble."""
    for keep in range(min(len(PREAMBLE) - 1, len(buffer)), 0, -1):
        if buffer[-keep:] == PREAMBLE[:keep]:
            return keep
    return 0


class StreamParser:
    """Incremental parser: `feed()` bytes in any chunking, get frames and problems.

    Work per fed byte is bounded (each byte is dropped or consumed once, and each
    preamble is checked once), so no input can make it hang.
    """

    def __init__(self, max_len: int = MAX_LEN) -> None:
        self._buffer = bytearray()
        self._offset = 0  # stream position of _buffer[0]
        self._max_len = max_len

    @property
    def pending(self) -> int:
        """Bytes held back waiting for more input."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[ParseItem]:
        self._buffer += data
        items: list[ParseItem] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                junk = len(self._buffer) - _partial_preamble_suffix(self._buffer)
                if junk:
                    items.append(StreamProblem("junk", self._offset, junk))
                    self._drop(junk)
                return self._merge_junk(items)
            if start:
                items.append(StreamProblem("junk", self._offset, start))
                self._drop(start)
            if len(self._buffer) < HEADER_SIZE:
                return self._merge_junk(items)
            length = int.from_bytes(self._buffer[5:7], "big")
            if not MIN_LEN <= length <= self._max_len:
                items.append(StreamProblem("bad_length", self._offset, len(PREAMBLE),
                                           f"LEN={length}, allowed {MIN_LEN}..{self._max_len}"))
                # Resync just after this preamble: the next frame may start in the LEN bytes.
                self._drop(len(PREAMBLE))
                continue
            total = HEADER_SIZE + length
            if len(self._buffer) < total:
                return self._merge_junk(items)
            covered = bytes(self._buffer[5:total - 1])
            if checksum(covered) != self._buffer[total - 1]:
                items.append(StreamProblem("bad_checksum", self._offset, total,
                                           f"LEN={length}, rescanning inside it"))
                # A frame cut short is followed by the next good frame inside this span.
                self._drop(len(PREAMBLE))
                continue
            items.append(Frame(covered[2:], self._offset))
            self._drop(total)

    def finish(self) -> list[ParseItem]:
        """End of input (or a deadline passed): report what is held back, and recover
        any whole frame that an incomplete one had swallowed into its claimed length."""
        items: list[ParseItem] = []
        while self._buffer:
            if self._buffer.startswith(PREAMBLE):
                next_start = self._buffer.find(PREAMBLE, 1)
                size = next_start if next_start > 0 else len(self._buffer)
                if len(self._buffer) >= HEADER_SIZE:
                    expected = HEADER_SIZE + int.from_bytes(self._buffer[5:7], "big")
                    detail = f"have {size} of {expected} bytes"
                else:
                    detail = f"have {size} header bytes"
                items.append(StreamProblem("truncated", self._offset, size, detail))
                self._drop(size)
                items += self.feed(b"")
            else:
                whole = len(self._buffer)
                kind = "truncated" if PREAMBLE.startswith(bytes(self._buffer)) else "junk"
                detail = f"have {whole} header bytes" if kind == "truncated" else ""
                items.append(StreamProblem(kind, self._offset, whole, detail))
                self._drop(whole)
        return self._merge_junk(items)

    def reset(self) -> None:
        """Forget held-back bytes (before sending a new command)."""
        self._drop(len(self._buffer))

    def _drop(self, count: int) -> None:
        # Zero before releasing: held-back bytes may be card text.
        self._buffer[:count] = bytes(count)
        del self._buffer[:count]
        self._offset += count

    @staticmethod
    def _merge_junk(items: list[ParseItem]) -> list[ParseItem]:
        merged: list[ParseItem] = []
        for item in items:
            last = merged[-1] if merged else None
            if (isinstance(item, StreamProblem) and item.kind == "junk" and isinstance(last, StreamProblem)
                    and last.kind == "junk" and last.offset + last.size == item.offset):
                merged[-1] = StreamProblem("junk", last.offset, last.size + item.size)
            else:
                merged.append(item)
        return merged


def parse_all(data: bytes) -> list[ParseItem]:
    """Parse a complete capture: every frame and every problem, in stream order."""
    parser = StreamParser()
    items = parser.feed(data)
    items += parser.finish()
    return StreamParser._merge_junk(items)

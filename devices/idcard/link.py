"""The serial side of the reader: finding the port, probing the baud rate, and one
command/answer exchange with deadlines.

Bytes are accumulated through `StreamParser` until a whole answer frame arrives or
the deadline passes; one `read()` is never trusted to hold a frame. Raw frames are
never logged (one answer holds the whole card text and photo).
"""

from __future__ import annotations

import logging
import os
import termios
import threading
import time
from typing import Callable, Iterable

import serial
import serial.tools.list_ports

from devices.idcard import codec
from devices.idcard.codec import Frame, StreamParser, StreamProblem
from devices.idcard.errors import ReaderBadAnswer, ReaderNotAnswering, ReaderNotFound, ReaderTimeout
from devices.idcard.settings import IdCardSettings

log = logging.getLogger("devices.idcard.link")

# Per-command deadlines (protocol notes §4): status/find/select ≈0.5 s; a read
# carries 1295 bytes, 1.35 s at 9600 baud, so it gets 3 s.
SHORT_DEADLINE_S = 0.5
READ_DEADLINE_S = 3.0
# pyserial read timeout per chunk: short, so a stop request is noticed quickly.
_CHUNK_TIMEOUT_S = 0.02
# After a damaged answer, how long to wait for anything else before retrying.
_AFTER_DAMAGE_S = 0.1
# Data bytes in answers to the short commands (notes §1: SAM id 16, select 8, find 4,
# status/reset none), with slack for module variants. A longer answer is a late one
# to an earlier command (a read that missed its deadline) and is skipped.
_SHORT_COMMANDS = (codec.RESET_SAM, codec.SAM_STATUS, codec.SAM_ID, codec.FIND_CARD, codec.SELECT_CARD)
_SHORT_ANSWER_MAX_DATA = 32


class LinkCancelled(Exception):
    """The service is stopping; abandon the exchange."""


def resolve_port(settings: IdCardSettings,
                 list_ports: Callable[[], Iterable] = serial.tools.list_ports.comports) -> str:
    """The device path from `port`, or else the first port whose USB VID:PID matches."""
    if settings.port:
        if not os.path.exists(settings.port):
            raise ReaderNotFound(f"{settings.port} does not exist")
        return settings.port
    if not settings.vid_pid:
        raise ReaderNotFound("neither devices.idcard.port nor devices.idcard.vid_pid is set")
    vid_text, pid_text = settings.vid_pid.split(":")
    vid, pid = int(vid_text, 16), int(pid_text, 16)
    matches = sorted(info.device for info in list_ports() if info.vid == vid and info.pid == pid)
    if not matches:
        raise ReaderNotFound(f"no serial port with USB id {settings.vid_pid}")
    if len(matches) > 1:
        log.warning("several ports match USB id %s, using %s (others: %s)",
                    settings.vid_pid, matches[0], ", ".join(matches[1:]))
    return matches[0]


class SamLink:
    """One open serial port to a SAM module."""

    def __init__(self, port: str, baud: int, cancel: threading.Event | None = None) -> None:
        self.port_name = port
        self._cancel = cancel or threading.Event()
        self._parser = StreamParser()
        # exclusive: a second kiosk process must not interleave frames on this port.
        self._serial = serial.Serial(port=port, baudrate=baud, timeout=_CHUNK_TIMEOUT_S,
                                     write_timeout=1.0, exclusive=True)

    @property
    def baud(self) -> int:
        return self._serial.baudrate

    def set_baud(self, baud: int) -> None:
        self._serial.baudrate = baud

    def close(self) -> None:
        try:
            self._serial.close()
        except (OSError, serial.SerialException):
            pass
        self._parser.reset()

    def transact(self, command: tuple[int, int], deadline_s: float = SHORT_DEADLINE_S) -> Frame:
        """Send one command and return its answer frame.

        If the module says our frame arrived corrupted (SW3 10/11) the command is
        sent once more, as the protocol notes advise. Raises ReaderTimeout,
        ReaderBadAnswer (SW1 SW2 not 00 00), serial.SerialException (port gone)
        or LinkCancelled.
        """
        answer = self._exchange(command, deadline_s)
        if answer.sw3 in (codec.SW_BAD_CHECKSUM, codec.SW_BAD_LENGTH):
            log.debug("reader reports our %s frame corrupted (SW3=%02X), sending again",
                      codec.COMMAND_NAMES.get(command), answer.sw3)
            answer = self._exchange(command, deadline_s)
        return answer

    def _exchange(self, command: tuple[int, int], deadline_s: float) -> Frame:
        try:
            return self._exchange_unguarded(command, deadline_s)
        except termios.error as exc:
            # pyserial lets termios errors through (e.g. tcflush on a vanished device).
            raise serial.SerialException(f"port control failed: {exc}") from exc

    def _exchange_unguarded(self, command: tuple[int, int], deadline_s: float) -> Frame:
        if self._cancel.is_set():
            # Not even sent: an answer nobody reads would wait on the line for the next
            # opener of the port (a restarted service) and pass as the answer to its command.
            raise LinkCancelled()
        # Stale bytes (a late answer to a timed-out command) must not pass as this answer.
        self._serial.reset_input_buffer()
        self._parser.reset()
        self._serial.write(codec.encode_command(command))
        deadline = time.monotonic() + deadline_s
        while True:
            if self._cancel.is_set():
                raise LinkCancelled()
            chunk = self._serial.read(max(1, self._serial.in_waiting))
            if chunk:
                for item in self._parser.feed(chunk):
                    if isinstance(item, Frame):
                        if self._is_our_answer(item, command):
                            return item
                        continue
                    if isinstance(item, StreamProblem):
                        log.debug("ignored on the line: %s", item.describe())
                        if item.kind == "bad_checksum":
                            # The answer arrived damaged and will not be sent again: give
                            # the line a moment (a frame may hide inside), then give up.
                            deadline = min(deadline, time.monotonic() + _AFTER_DAMAGE_S)
            if time.monotonic() >= deadline:
                for item in self._parser.finish():
                    if isinstance(item, Frame):
                        if self._is_our_answer(item, command):
                            return item  # it had been hidden inside a cut-off frame
                        continue
                    log.debug("ignored on the line: %s", item.describe())
                raise ReaderTimeout(codec.COMMAND_NAMES.get(command, "command"), deadline_s)

    @staticmethod
    def _is_our_answer(frame: Frame, command: tuple[int, int]) -> bool:
        """Whether a whole frame from the reader is the answer to `command`; False to skip it.

        Raises ReaderBadAnswer for a frame whose SW1 SW2 are not 00 00: the module
        sent something whole but outside the protocol, and its SW3 cannot be trusted.
        """
        name = codec.COMMAND_NAMES.get(command, "command")
        if not frame.is_answer and frame.command == command and not frame.data:
            log.debug("skipped an echo of our own %s command", name)
            return False
        if not frame.sw1_sw2_ok:
            raise ReaderBadAnswer(name, frame.status_words)
        if command in _SHORT_COMMANDS and len(frame.data) > _SHORT_ANSWER_MAX_DATA:
            log.debug("skipped a late answer to an earlier command: %s", frame.describe())
            return False
        return True


def open_and_probe(port: str, bauds: tuple[int, ...], cancel: threading.Event | None = None) -> tuple[SamLink, Frame]:
    """Open `port` and find the baud rate at which the SAM answers `11 FF`.

    Returns the link and the status answer (SW3 90, or 60 when the module
    answers but failed its self-test: the caller decides).
    """
    link = SamLink(port, bauds[0], cancel)
    try:
        for baud in bauds:
            link.set_baud(baud)
            try:
                answer = link.transact(codec.SAM_STATUS, SHORT_DEADLINE_S)
            except ReaderTimeout:
                log.debug("no SAM answer on %s at %d baud", port, baud)
                continue
            log.info("SAM module answers on %s at %d baud (%s)", port, baud, answer.describe())
            return link, answer
    except BaseException:
        link.close()
        raise
    link.close()
    raise ReaderNotAnswering(port, bauds)


def format_sam_id(data: bytes) -> str:
    """The `12 FF` answer's 16 bytes as printed on the module (10-digit padding, notes §2)."""
    if len(data) < 16:
        return ""

    def u32(offset: int) -> int:
        return int.from_bytes(data[offset:offset + 4], "little")

    return f"{data[0]:02}.{data[2]:02}-{u32(4)}-{u32(8):010}-{u32(12):010}"

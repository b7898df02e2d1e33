"""A SAM ID-card module simulator at the far end of a real pty pair.

`CardReaderSimulator` is the module's behaviour: it takes command frames and
returns answer frames (find/select/read/latest address/status/reset/SAM id),
with a card placed or not, injected statuses and corrupted answers.

`SimulatedReaderLink` puts it on the master side of a pty pair and publishes the
slave side as a symlink (like socat's `link=`), which is the path the real driver
opens through pyserial. It models wire time at the simulated baud rate, ignores
frames sent at the wrong baud (the driver's termios are visible from the master
side), can add junk and split answers into small writes, and can be unplugged
(symlink removed, pty closed so the driver's reads fail) and plugged back in.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import os
import random
import select
import tempfile
import termios
import threading
import time
import tty
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from devices.idcard import codec
from devices.idcard.codec import Frame, StreamParser
from devices.idcard.holder import Holder, encode_text_block, holder_from_json
from devices.idcard.settings import IdCardSettings

log = logging.getLogger("devices.idcard.simulator")

PHOTO_BLOCK_SIZE = 1024
# A fixed, obviously synthetic stand-in for the WLT photo: "WL", 102, 126, zeros.
_FAKE_PHOTO = b"WL" + (102).to_bytes(2, "little") + (126).to_bytes(2, "little") + bytes(PHOTO_BLOCK_SIZE - 6)
_SAM_ID_DATA = bytes([5, 0, 1, 0]) + (20260101).to_bytes(4, "little") + (1).to_bytes(4, "little") + (42).to_bytes(4, "little")

STAGES = ("status", "reset", "find", "select", "read", "address", "sam_id")
_STAGE_OF_COMMAND = {
    codec.SAM_STATUS: "status", codec.RESET_SAM: "reset", codec.FIND_CARD: "find",
    codec.SELECT_CARD: "select", codec.READ_TEXT_PHOTO: "read", codec.READ_LATEST_ADDRESS: "address",
    codec.SAM_ID: "sam_id",
}
CORRUPTIONS = ("checksum", "truncate", "silence", "bad_text", "status_words")
NON_ID_CARD = "__non_id_card__"


def load_holders(path: str | Path | None = None) -> dict[str, Holder]:
    """Holders by key from a JSON file; the packaged invented set when `path` is empty."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("devices.idcard").joinpath("sim_holders.json").read_text(encoding="utf-8")
    records = json.loads(text)["holders"]
    return {record["key"]: holder_from_json(record) for record in records}


@dataclass
class _Fault:
    stage: str
    sw3: int | None
    corrupt: str | None
    times: int


class CardReaderSimulator:
    """The module's answers. Thread-safe: control calls come from tests or a console."""

    def __init__(self, holders: dict[str, Holder], halt_after_read: bool = False) -> None:
        self.holders = holders
        # Some modules answer 80 for a card that was read and is still lying there.
        self.halt_after_read = halt_after_read
        self._lock = threading.Lock()
        self._card: str | None = None
        self._card_read = False
        self._faults: list[_Fault] = []
        # The latest commands (bounded: `kiosk run` on the simulator polls all day) and a
        # count of every command ever answered, for tests and the console.
        self.commands_seen: collections.deque[tuple[int, int]] = collections.deque(maxlen=1000)
        self.command_counts: collections.Counter[tuple[int, int]] = collections.Counter()
        # Monotonic time of the first find answered 9F for the current placement (bench).
        self.found_at: float | None = None

    # -- control -------------------------------------------------------------------------
    def place_card(self, holder_key: str) -> None:
        if holder_key != NON_ID_CARD and holder_key not in self.holders:
            raise KeyError(f"no simulated holder {holder_key!r}; known: {', '.join(sorted(self.holders))}")
        with self._lock:
            self._card = holder_key
            self._card_read = False
            self.found_at = None

    def place_non_id_card(self) -> None:
        """A bank or bus card: the module cannot recognise it (SW3 40)."""
        self.place_card(NON_ID_CARD)

    def remove_card(self) -> None:
        with self._lock:
            self._card = None
            self._card_read = False

    @property
    def card(self) -> str | None:
        with self._lock:
            return self._card

    def set_fault(self, sw3: int | None = None, *, on: str = "read", times: int = 1, corrupt: str | None = None) -> None:
        """Answer the next `times` commands of stage `on` with status `sw3`, or corrupt the answer.

        corrupt: "checksum" (flip the last byte), "truncate" (send half), "silence" (send nothing),
        "bad_text" (a well-formed read answer whose ID number fails its check character),
        "status_words" (SW1 SW2 = 90 00 instead of 00 00, checksum correct: outside the protocol).
        `times=-1` keeps the fault until `clear_faults()`.
        """
        if on not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")
        if corrupt is not None and corrupt not in CORRUPTIONS:
            raise ValueError(f"corrupt must be one of {CORRUPTIONS}")
        if sw3 is None and corrupt is None:
            raise ValueError("give a status byte or a corruption")
        with self._lock:
            self._faults.append(_Fault(on, sw3, corrupt, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- protocol ------------------------------------------------------------------------
    def answer(self, frame: Frame) -> bytes:
        """The bytes the module sends back for one command frame (b"" = no answer)."""
        command = frame.command
        with self._lock:
            self.commands_seen.append(command)
            self.command_counts[command] += 1
            stage = _STAGE_OF_COMMAND.get(command)
            fault = self._take_fault(stage)
            if fault is not None and fault.sw3 is not None:
                reply = codec.encode_answer(fault.sw3)
            else:
                tampered = fault is not None and fault.corrupt == "bad_text"
                reply = self._normal_answer(command, tampered)
        if fault is not None and fault.corrupt and fault.corrupt != "bad_text":
            reply = _corrupt(reply, fault.corrupt)
        return reply

    def _take_fault(self, stage: str | None) -> _Fault | None:
        for fault in self._faults:
            if fault.stage == stage:
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _normal_answer(self, command: tuple[int, int] | None, tampered: bool = False) -> bytes:
        if command in (codec.SAM_STATUS, codec.RESET_SAM):
            return codec.encode_answer(codec.SW_OK)
        if command == codec.SAM_ID:
            return codec.encode_answer(codec.SW_OK, _SAM_ID_DATA)
        if command == codec.FIND_CARD:
            if self._card is None or (self._card_read and self.halt_after_read):
                return codec.encode_answer(codec.SW_NO_CARD)
            if self._card == NON_ID_CARD:
                return codec.encode_answer(codec.SW_UNKNOWN_CARD_TYPE)
            if self.found_at is None:
                self.found_at = time.monotonic()
            return codec.encode_answer(codec.SW_CARD_FOUND, bytes(4))
        if command == codec.SELECT_CARD:
            if self._card is None or self._card == NON_ID_CARD:
                return codec.encode_answer(codec.SW_SELECT_FAILED)
            return codec.encode_answer(codec.SW_OK, bytes(8))
        if command == codec.READ_TEXT_PHOTO:
            if self._card is None or self._card == NON_ID_CARD:
                return codec.encode_answer(codec.SW_READ_FAILED)
            self._card_read = True
            holder = self.holders[self._card]
            if tampered:
                wrong = "0" if holder.id_number[-1] != "0" else "1"
                holder = dataclasses.replace(holder, id_number=holder.id_number[:-1] + wrong)
            text = encode_text_block(holder)
            lengths = len(text).to_bytes(2, "big") + PHOTO_BLOCK_SIZE.to_bytes(2, "big")
            return codec.encode_answer(codec.SW_OK, lengths + text + _FAKE_PHOTO)
        if command == codec.READ_LATEST_ADDRESS:
            holder = self.holders.get(self._card or "")
            if holder is None or not holder.latest_address:
                return codec.encode_answer(codec.SW_NO_CONTENT)
            encoded = holder.latest_address.encode("utf-16-le")
            return codec.encode_answer(codec.SW_OK, encoded + " ".encode("utf-16-le") * ((70 - len(encoded)) // 2))
        return codec.encode_answer(codec.SW_BAD_COMMAND)


def _corrupt(reply: bytes, how: str) -> bytes:
    if how == "status_words":
        # LEN, then "90 00" where SW1 SW2 belong, the rest as it was, a correct checksum.
        covered = reply[5:7] + bytes([0x90, 0x00]) + reply[9:-1]
        return codec.PREAMBLE + covered + bytes([codec.checksum(covered)])
    if how == "checksum":
        return reply[:-1] + bytes([reply[-1] ^ 0xFF])
    if how == "truncate":
        return reply[: max(1, len(reply) // 2)]
    return b""


def wire_seconds(byte_count: int, baud: int) -> float:
    """Time on the line for 8N1 framing: 10 bits per byte."""
    return byte_count * 10 / baud


class SimulatedReaderLink:
    """Runs a `CardReaderSimulator` on a thread behind a pty; the driver opens `port_path`."""

    def __init__(self, simulator: CardReaderSimulator, baud: int = 115200, link_path: str | Path | None = None,
                 model_wire_time: bool = True, seed: int | None = None) -> None:
        self.simulator = simulator
        self.baud = baud
        self.model_wire_time = model_wire_time
        self._own_dir: tempfile.TemporaryDirectory | None = None
        if link_path is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="idcard-sim-")
            link_path = Path(self._own_dir.name) / "ttyIDCARD"
        self.port_path = str(link_path)
        self._random = random.Random(seed)
        self._junk_before = 0
        self._split_writes = False
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._plug_lock = threading.Lock()
        self._unplug_request: threading.Event | None = None
        self._published = False  # whether port_path is currently our symlink
        self.answers_sent = 0
        self.bytes_sent = 0

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> str:
        """Create the pty and the symlink, start serving; returns the path for the driver."""
        self._plug_in()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-simulator", daemon=True)
        self._thread.start()
        return self.port_path

    def stop(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread:
            self._thread.join(2.0)
        self._pull_out()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._own_dir is not None:
            self._own_dir.cleanup()

    def unplug(self) -> None:
        """The USB-serial bridge is pulled: the path vanishes and open handles fail."""
        if self._thread is not None and self._thread.is_alive():
            # The serving thread closes the fds itself: closing them under its select()
            # could let a reused fd number (e.g. the driver's own port) be read by it.
            done = threading.Event()
            self._unplug_request = done
            os.write(self._wake_w, b"x")
            done.wait(2.0)
        else:
            self._pull_out()

    def replug(self) -> None:
        """Plugged back in: a new pty appears at the same path."""
        self._plug_in()
        os.write(self._wake_w, b"x")

    @property
    def plugged_in(self) -> bool:
        return self._master is not None

    # -- control (delegated to the module) ----------------------------------------------------
    def place_card(self, holder_key: str) -> None:
        self.simulator.place_card(holder_key)

    def place_non_id_card(self) -> None:
        self.simulator.place_non_id_card()

    def remove_card(self) -> None:
        self.simulator.remove_card()

    def set_fault(self, sw3: int | None = None, *, on: str = "read", times: int = 1, corrupt: str | None = None) -> None:
        self.simulator.set_fault(sw3, on=on, times=times, corrupt=corrupt)

    def clear_faults(self) -> None:
        self.simulator.clear_faults()

    def set_noise(self, junk_before: int = 0, split_writes: bool = False) -> None:
        """Up to `junk_before` random bytes before each answer; answers written in 1-7 byte pieces."""
        self._junk_before = junk_before
        self._split_writes = split_writes

    # -- pty ---------------------------------------------------------------------------
    def _plug_in(self) -> None:
        with self._plug_lock:
            if self._master is not None:
                return
            if os.path.lexists(self.port_path) and not os.path.islink(self.port_path):
                # Only ever replace our own symlink, never a real file or device node.
                raise FileExistsError(f"{self.port_path} exists and is not a symlink")
            master, slave = os.openpty()
            # Raw from the start, so nothing is echoed before the driver configures the port.
            tty.setraw(slave)
            # Holding the slave open keeps the master readable between driver reconnects.
            self._master, self._slave = master, slave
            tmp_link = self.port_path + ".new"
            try:
                os.unlink(tmp_link)
            except FileNotFoundError:
                pass
            os.symlink(os.ttyname(slave), tmp_link)
            os.replace(tmp_link, self.port_path)
            self._published = True
            log.info("simulated ID-card reader plugged in at %s (%d baud)", self.port_path, self.baud)

    def _pull_out(self) -> None:
        with self._plug_lock:
            if self._published and os.path.islink(self.port_path):
                os.unlink(self.port_path)
            self._published = False
            for fd in (self._master, self._slave):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            if self._master is not None:
                log.info("simulated ID-card reader unplugged")
            self._master = self._slave = None

    def _driver_baud_matches(self, master: int) -> bool:
        """The master side sees the termios the driver set on the slave."""
        speed_constant = getattr(termios, f"B{self.baud}", None)
        try:
            attributes = termios.tcgetattr(master)
        except termios.error:
            return False
        return speed_constant is None or attributes[5] == speed_constant

    def _serve(self) -> None:
        parser = StreamParser()
        while not self._stop.is_set():
            request, self._unplug_request = self._unplug_request, None
            if request is not None:
                self._pull_out()
                request.set()
            master = self._master
            if master is None:
                self._wait_for_wake(0.2)
                parser.reset()
                continue
            try:
                readable, _, _ = select.select([master, self._wake_r], [], [], 0.2)
            except (OSError, ValueError):
                continue
            if self._wake_r in readable:
                os.read(self._wake_r, 64)
            if master not in readable:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                # Unplugged underneath us, or no slave open: wait for the next plug-in.
                self._wait_for_wake(0.05)
                continue
            if not self._driver_baud_matches(master):
                # At the wrong baud the module sees line noise and says nothing.
                parser.reset()
                continue
            for item in parser.feed(data):
                if isinstance(item, Frame) and not item.is_answer:
                    try:
                        reply = self.simulator.answer(item)
                    except Exception:
                        # A bug in the module's behaviour must not end this thread (the driver
                        # would only see timeouts, forever): say so, answer nothing, as a
                        # broken module would, and serve the next command.
                        log.exception("simulated module failed to answer %s; sending nothing", item.describe())
                        continue
                    self._send(master, reply)

    def _wait_for_wake(self, seconds: float) -> None:
        readable, _, _ = select.select([self._wake_r], [], [], seconds)
        if readable:
            os.read(self._wake_r, 64)

    def _send(self, master: int, reply: bytes) -> None:
        if not reply:
            return
        if self._junk_before:
            junk = bytes(self._random.randrange(0, 0x96) for _ in range(self._random.randint(0, self._junk_before)))
            reply = junk + reply
        pieces = self._pieces(reply)
        started = time.monotonic()
        sent = 0
        for piece in pieces:
            sent += len(piece)
            if self.model_wire_time:
                # A piece is handed over when its last bit would have crossed the line.
                delay = started + wire_seconds(sent, self.baud) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                os.write(master, piece)
            except OSError:
                return
        self.answers_sent += 1
        self.bytes_sent += sent

    def _pieces(self, reply: bytes) -> list[bytes]:
        if self._split_writes:
            pieces, index = [], 0
            while index < len(reply):
                size = self._random.randint(1, 7)
                pieces.append(reply[index:index + size])
                index += size
            return pieces
        return [reply[i:i + 64] for i in range(0, len(reply), 64)]


def start_simulated_reader(settings: IdCardSettings, baud: int | None = None,
                           link_path: str | Path | None = None) -> tuple[SimulatedReaderLink, str]:
    """Composition-root helper for `driver = "simulator"`: start the simulator, return it and the port path.

    The app then builds `IdCardReaderService(with_port(settings, port_path), …)`.
    """
    simulator = CardReaderSimulator(load_holders(settings.simulator_holders or None))
    link = SimulatedReaderLink(simulator, baud=baud or settings.baud_rates[0], link_path=link_path)
    return link, link.start()

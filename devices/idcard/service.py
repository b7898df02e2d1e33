"""The reader service: a background thread that polls the SAM module and turns what
it finds into events for the kiosk.

    find (20 01) every poll_interval_ms --9F--> select (20 02) --> read (30 01)
                                                 --> latest address (30 03, 91 = none)

- A card is read once, then ignored until it has been absent for two polls in a
  row (modules differ: some keep answering 9F for a resting card).
- The same holder read again within `dedupe_seconds` is not a new read: after the
  card was taken away and laid down again it is reported as `CardRead` with
  `repeat=True` (so the screen can move the citizen on), never as a second
  first read. Anything that counts reads must skip repeats. For that the service
  keeps, per read and for `dedupe_seconds` only, a keyed hash of the ID number
  (BLAKE2b under a key made fresh in each process and never stored): it never
  keeps the holder, the name or the number, so nothing of a citizen outlives the
  `CardRead` event handed to the app (which forgets it when the session is wiped).
- Every SW3 status maps to an action and a Chinese message (`STATUS_ACTIONS`).
- If the port vanishes (USB-serial unplugged) the service reports it, keeps
  trying to reopen it, and carries on when it returns.
- `check_sam()` asks the module its status (11 FF) now, for the staff panel: the
  request is answered by the reader thread between two polls, so only that thread
  ever talks on the serial port; the caller waits a bounded time.

Callbacks run on the reader thread; the app marshals them onto its own thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable, Union

import serial

from devices.idcard import codec
from devices.idcard import messages_zh as zh
from devices.idcard.errors import CardDataError, IdCardError, ReaderBadAnswer, ReaderTimeout
from devices.idcard.holder import TEXT_BLOCK_SIZE, Holder, decode_latest_address, decode_text_block
from devices.idcard.link import (
    READ_DEADLINE_S, SHORT_DEADLINE_S, LinkCancelled, SamLink, format_sam_id, open_and_probe, resolve_port,
)
from devices.idcard.settings import IdCardSettings
from devices.base.clock import Clock, SystemClock

log = logging.getLogger("devices.idcard.service")


# -- events ---------------------------------------------------------------------------


class ProblemAction(str, enum.Enum):
    """What the screen should do about a problem."""

    PLACE_AGAIN = "place_again"  # lift the card and put it down again
    NOT_ID_CARD = "not_id_card"  # a bank/transport card was placed
    CARD_UNREADABLE = "card_unreadable"  # damaged or unverifiable card: go to a window
    READER_FAULT = "reader_fault"  # call staff
    OUT_OF_SERVICE = "out_of_service"  # module not licensed: card reading unavailable
    DISCONNECTED = "disconnected"  # the reader's cable/port is gone; retrying


@dataclass(frozen=True)
class ReaderReady:
    port: str
    baud: int
    # The module's printed serial ("05.01-20260101-0000000001-0000000042"), for staff; "" if unknown.
    sam_id: str = ""


@dataclass(frozen=True)
class CardRead:
    holder: Holder
    # Computed on the hall's date when the card was read.
    age: int
    expired: bool
    # True: the same holder's card was taken away and laid down again within
    # `dedupe_seconds` of the read that counted. It tells the screen "recognised
    # again" (a citizen who re-lays the card must not be met by silence) but is not
    # a new read: nothing may count it, draw a ticket for it or treat it as a new visit's proof.
    repeat: bool = False


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class ReaderProblem:
    message_zh: str
    message_en: str
    action: ProblemAction
    sw3: int | None = None


ReaderEvent = Union[ReaderReady, CardRead, CardRemoved, ReaderProblem]


class ReaderStatus(str, enum.Enum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    READY = "ready"
    DISCONNECTED = "disconnected"
    FAULT = "fault"


@dataclass(frozen=True)
class SamCheck:
    """What the SAM module said when asked its status (11 FF) just now."""

    # A whole answer frame came back (it may still report a fault).
    answered: bool
    sw3: int | None
    # The service's state once the request was handled.
    status: ReaderStatus
    detail_en: str

    @property
    def ok(self) -> bool:
        return self.answered and self.sw3 == codec.SW_OK


class _SamCheckRequest:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.abandoned = False  # the caller stopped waiting: not worth a command on the line
        self.result: SamCheck | None = None

    def finish(self, result: SamCheck) -> None:
        self.result = result
        self.done.set()


# -- SW3 status -> what to do -----------------------------------------------------------


@dataclass(frozen=True)
class StatusAction:
    action: ProblemAction | None  # None: not a problem (continue / idle)
    message_zh: str
    retry: bool  # retry silently on the next poll before telling the citizen


STATUS_ACTIONS: dict[int, StatusAction] = {
    codec.SW_OK: StatusAction(None, "", False),
    codec.SW_NO_CONTENT: StatusAction(None, "", False),
    codec.SW_CARD_FOUND: StatusAction(None, "", False),
    codec.SW_NO_CARD: StatusAction(None, "", False),
    codec.SW_BAD_CHECKSUM: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True),
    codec.SW_BAD_LENGTH: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True),
    codec.SW_BAD_COMMAND: StatusAction(ProblemAction.READER_FAULT, zh.READER_FAULT, False),
    codec.SW_UNAUTHORISED_OPERATION: StatusAction(ProblemAction.READER_FAULT, zh.READER_FAULT, False),
    codec.SW_UNKNOWN_ERROR: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True),
    codec.SW_CARD_AUTH_SAM_FAILED: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True),
    codec.SW_SAM_AUTH_CARD_FAILED: StatusAction(ProblemAction.CARD_UNREADABLE, zh.CARD_UNREADABLE, True),
    codec.SW_VERIFY_FAILED: StatusAction(ProblemAction.CARD_UNREADABLE, zh.CARD_UNREADABLE, True),
    codec.SW_UNKNOWN_CARD_TYPE: StatusAction(ProblemAction.NOT_ID_CARD, zh.NOT_ID_CARD, False),
    codec.SW_READ_FAILED: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN_SLOWLY, True),
    codec.SW_RANDOM_FAILED: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True),
    codec.SW_SAM_SELF_TEST_FAILED: StatusAction(ProblemAction.READER_FAULT, zh.READER_FAULT, False),
    codec.SW_SAM_NOT_LICENSED: StatusAction(ProblemAction.OUT_OF_SERVICE, zh.READER_NOT_LICENSED, False),
    codec.SW_SELECT_FAILED: StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True),
}
_UNKNOWN_STATUS = StatusAction(ProblemAction.PLACE_AGAIN, zh.PLACE_AGAIN, True)


def action_for_status(sw3: int) -> StatusAction:
    return STATUS_ACTIONS.get(sw3, _UNKNOWN_STATUS)


# -- the service ---------------------------------------------------------------------------

# Silent retries of a failing card before the citizen is told (notes §4: cap at 2-3).
MAX_READ_ATTEMPTS = 3
# Per stage, the status words that answer a different command (see _card_failed).
_ANSWERS_OF_OTHER_COMMANDS = {"find": (codec.SW_OK,), "select": (codec.SW_CARD_FOUND, codec.SW_NO_CARD)}
# Consecutive "no card" polls that mean the card has really been taken away.
ABSENT_POLLS_TO_RELEASE = 2
# Consecutive unanswered polls after which the port is reopened and re-probed.
SILENT_POLLS_TO_RECONNECT = 2
# Consecutive malformed answers (SW1 SW2 not 00 00) to polls before staff are told:
# one could be line noise that happened to pass the XOR check.
BAD_ANSWERS_TO_REPORT = 2
RECONNECT_INTERVAL_S = 1.0
# How long check_sam() waits for the reader thread by default: a poll, or a card
# read in progress (3 s at most), may come first.
SAM_CHECK_WAIT_S = 3.0
# How long start() waits for the thread of a stop() that timed out.
RESTART_WAIT_S = 2.0


class IdCardReaderService:
    """Owns the reader thread. `on_event` is called on that thread, never concurrently."""

    def __init__(self, settings: IdCardSettings, on_event: Callable[[ReaderEvent], None],
                 clock: Clock | None = None) -> None:
        self.settings = settings
        self._on_event = on_event
        self._clock = clock or SystemClock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._link: SamLink | None = None
        self._status = ReaderStatus.STOPPED
        self._status_lock = threading.Lock()
        # Dedupe keys are keyed hashes with a per-process key: the full number is not kept,
        # and a hash is dropped once its dedupe window is over (at the next read or removal).
        self._dedupe_key = secrets.token_bytes(16)
        self._recent: dict[str, dt.datetime] = {}
        # Whether the reader has seen the card taken away since the last read. A card
        # read again only because the link came back (it never left the reader) is
        # not a re-placement and is not reported, not even as a repeat.
        self._removed_since_read = True
        self._reset_card_state()
        self._last_problem: ProblemAction | None = None
        # Status requests from other threads, answered on the reader thread (check_sam).
        self._checks: queue.SimpleQueue[_SamCheckRequest] = queue.SimpleQueue()
        # Cuts the wait between reconnect attempts short when a check is asked for.
        self._wake = threading.Event()
        self._link_problem_en = ""

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def status(self) -> ReaderStatus:
        with self._status_lock:
            return self._status

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            if not self._stop.is_set():
                return  # already running
            # The last stop() timed out (e.g. an event handler was slow): that thread is
            # on its way out; wait for it instead of returning with no reader running.
            self._thread.join(RESTART_WAIT_S)
            if self._thread.is_alive():
                log.error("previous reader thread is still busy after %.1f s; reader not restarted", RESTART_WAIT_S)
                return
        self._stop.clear()
        # A fresh start reports the reader's state again, even the fault it had before stop().
        self._last_problem = None
        self._set_status(ReaderStatus.CONNECTING)
        self._thread = threading.Thread(target=self._run, name="idcard-reader", daemon=True)
        self._thread.start()

    def check_sam(self, timeout: float = SAM_CHECK_WAIT_S) -> SamCheck:
        """Ask the SAM module its status now (11 FF), on the reader thread; wait at most `timeout`.

        The reader thread is the only one that uses the serial port: it takes the
        request between two polls (at most one poll interval, or a card read in
        progress, later) and sends the command itself. Without a link it answers
        after its next attempt to open the port and probe the module. Never raises.
        """
        thread = self._thread
        if thread is None or not thread.is_alive() or self._stop.is_set():
            return SamCheck(False, None, ReaderStatus.STOPPED, "the reader service is not running")
        request = _SamCheckRequest()
        self._checks.put(request)
        self._wake.set()
        if request.done.wait(timeout) and request.result is not None:
            return request.result
        request.abandoned = True
        return SamCheck(False, None, self.status, f"the reader thread did not answer within {timeout:.1f} s")

    def stop(self, timeout: float = 2.0) -> None:
        """Stop polling and close the port; returns within about one serial chunk timeout."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                # Closing the port under the running thread would make it fail and report
                # a disconnect; it closes the port itself as it leaves.
                log.warning("reader thread did not stop within %.1f s; it closes the port when it ends", timeout)
                self._set_status(ReaderStatus.STOPPED)
                return
        self._close_link()
        self._set_status(ReaderStatus.STOPPED)

    # -- thread ------------------------------------------------------------------------
    def _run(self) -> None:
        interval = self.settings.poll_seconds
        silent_polls = bad_answers = 0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                if self._link is None:
                    if not self._connect():
                        self._answer_checks_without_link()
                        self._wake.wait(RECONNECT_INTERVAL_S)  # a check asked for meanwhile tries again now
                        self._wake.clear()
                        continue
                    silent_polls = bad_answers = 0
                self._answer_checks()
                self._poll_once()
                silent_polls = bad_answers = 0
            except LinkCancelled:
                break
            except ReaderBadAnswer as exc:
                # The line works (a whole frame came back) but the module speaks outside the
                # protocol: reconnecting would not help. Ask again; tell staff if it persists.
                silent_polls = 0
                bad_answers += 1
                if bad_answers >= BAD_ANSWERS_TO_REPORT:
                    self._problem(ProblemAction.READER_FAULT, exc.message_zh,
                                  f"{exc.message_en} ({bad_answers} in a row)", None)
                else:
                    log.warning("%s; asking again", exc.message_en)
            except ReaderTimeout as exc:
                silent_polls += 1
                log.warning("reader did not answer: %s", exc.message_en)
                if silent_polls >= SILENT_POLLS_TO_RECONNECT:
                    self._lose_link("the reader stopped answering")
            except (serial.SerialException, OSError) as exc:
                self._lose_link(f"serial port failed: {exc}")
            except Exception:  # never let the thread die silently: the kiosk would stop reading cards
                log.exception("unexpected error in the reader thread")
                self._lose_link("unexpected error")
            # The poll period counts from the start of the poll (notes: ≥ 300 ms apart).
            # A status check waits for it too: it is a command on the same line.
            self._stop.wait(max(0.0, interval - (time.monotonic() - started)))
        self._close_link()
        self._answer_checks_without_link(ReaderStatus.STOPPED, "the reader service stopped")

    def _pending_checks(self) -> list[_SamCheckRequest]:
        pending = []
        while True:
            try:
                request = self._checks.get_nowait()
            except queue.Empty:
                return pending
            if not request.abandoned:
                pending.append(request)

    def _answer_checks_without_link(self, status: ReaderStatus | None = None, reason: str = "") -> None:
        """No port to ask on: the connect attempt just made (itself an 11 FF probe) is the answer."""
        for request in self._pending_checks():
            request.finish(SamCheck(False, None, status or self.status,
                                    reason or self._link_problem_en or "the reader is not connected"))

    def _answer_checks(self) -> None:
        """Ask the module its status for each waiting check_sam(); errors go on to the poll loop."""
        requests = self._pending_checks()
        if not requests:
            return
        assert self._link is not None
        try:
            answer = self._link.transact(codec.SAM_STATUS, SHORT_DEADLINE_S)
        except ReaderTimeout as exc:
            self._finish_checks(requests, SamCheck(False, None, self.status, exc.message_en))
            raise
        except ReaderBadAnswer as exc:
            self._finish_checks(requests, SamCheck(True, None, ReaderStatus.FAULT, exc.message_en))
            raise
        except LinkCancelled:
            self._finish_checks(requests, SamCheck(False, None, ReaderStatus.STOPPED, "the reader service stopped"))
            raise
        except (serial.SerialException, OSError) as exc:
            self._finish_checks(requests, SamCheck(False, None, ReaderStatus.DISCONNECTED,
                                                   f"serial port failed: {exc}"))
            raise
        status = self.status
        if answer.sw3 != codec.SW_OK and status is ReaderStatus.READY:
            self._recover_sam(answer.sw3)  # as a poll that met the fault would
            status = self.status
        detail = f"SAM module status {answer.sw3:02X} ({codec.STATUS_NAMES.get(answer.sw3, 'unknown')})" \
            if answer.sw3 is not None else "SAM module status answer has no SW3 byte"
        self._finish_checks(requests, SamCheck(True, answer.sw3, status, detail))

    @staticmethod
    def _finish_checks(requests: list[_SamCheckRequest], result: SamCheck) -> None:
        for request in requests:
            request.finish(result)

    def _connect(self) -> bool:
        self._set_status(ReaderStatus.CONNECTING)
        try:
            port = resolve_port(self.settings)
            link, answer = open_and_probe(port, self.settings.baud_rates, self._stop)
        except LinkCancelled:
            return False
        except ReaderBadAnswer as exc:
            # Something answers on the port, but not in the protocol: a fault, not a lost cable.
            self._link_problem_en = f"SAM module status check failed: {exc.message_en}"
            self._set_status(ReaderStatus.FAULT)
            self._problem(ProblemAction.READER_FAULT, exc.message_zh,
                          f"SAM module status check failed: {exc.message_en}", None)
            return False
        except IdCardError as exc:
            self._report_disconnected(exc.message_en)
            return False
        except (serial.SerialException, OSError) as exc:
            self._report_disconnected(f"cannot open the reader port: {exc}")
            return False
        self._link = link
        if answer.sw3 != codec.SW_OK and not self._recover_sam(answer.sw3):
            return True  # stay connected in FAULT; polls re-check the module
        self._mark_ready()
        return True

    def _mark_ready(self) -> None:
        assert self._link is not None
        self._reset_card_state()
        self._last_problem = None
        self._set_status(ReaderStatus.READY)
        sam_id = self._read_sam_id()
        log.info("ID-card reader ready on %s at %d baud, SAM %s", self._link.port_name, self._link.baud,
                 sam_id or "id unknown")
        self._emit(ReaderReady(self._link.port_name, self._link.baud, sam_id))

    def _read_sam_id(self) -> str:
        assert self._link is not None
        try:
            answer = self._link.transact(codec.SAM_ID, SHORT_DEADLINE_S)
        except ReaderTimeout:
            return ""
        except ReaderBadAnswer as exc:
            log.warning("SAM id not read: %s", exc.message_en)
            return ""
        return format_sam_id(answer.data) if answer.sw3 == codec.SW_OK else ""

    def _recover_sam(self, sw3: int | None) -> bool:
        """SAM self-test failed (60) or similar: reset once, re-check, else report a fault."""
        assert self._link is not None
        if sw3 == codec.SW_SAM_SELF_TEST_FAILED:
            log.warning("SAM self-test failed, resetting the module")
            try:
                self._link.transact(codec.RESET_SAM, SHORT_DEADLINE_S)
                again = self._link.transact(codec.SAM_STATUS, SHORT_DEADLINE_S)
            except ReaderTimeout:
                again = None
            except ReaderBadAnswer as exc:
                log.warning("SAM module did not recover: %s", exc.message_en)
                again = None
            if again is not None and again.sw3 == codec.SW_OK:
                log.info("SAM module recovered after reset")
                return True
            sw3 = again.sw3 if again is not None else sw3
        if sw3 is None:  # an answer too short to hold SW3: the module is not working properly
            status_action = StatusAction(ProblemAction.READER_FAULT, zh.READER_FAULT, False)
            message_en = "SAM module status answer has no SW3 byte"
        else:
            status_action = action_for_status(sw3)
            message_en = f"SAM module status {sw3:02X} ({codec.STATUS_NAMES.get(sw3, 'unknown')})"
        self._set_status(ReaderStatus.FAULT)
        self._problem(status_action.action or ProblemAction.READER_FAULT, status_action.message_zh or zh.READER_FAULT,
                      message_en, sw3)
        return False

    def _poll_once(self) -> None:
        assert self._link is not None
        if self.status == ReaderStatus.FAULT:
            # The SAM module failed its self-test or is unlicensed: ask it again
            # rather than polling cards it could not authenticate.
            answer = self._link.transact(codec.SAM_STATUS, SHORT_DEADLINE_S)
            if answer.sw3 == codec.SW_OK:
                log.info("SAM module healthy again")
                self._mark_ready()
            return
        answer = self._link.transact(codec.FIND_CARD, SHORT_DEADLINE_S)
        sw3 = answer.sw3
        if sw3 in (codec.SW_SAM_SELF_TEST_FAILED, codec.SW_SAM_NOT_LICENSED):
            self._recover_sam(sw3)
            return
        if sw3 == codec.SW_NO_CARD:
            self._absent_polls += 1
            if self._absent_polls >= ABSENT_POLLS_TO_RELEASE:
                if self._card_latched:
                    log.info("card taken away")
                    self._forget_expired_reads(self._clock.now())
                    self._emit(CardRemoved())
                self._removed_since_read = True
                self._reset_card_state()
                self._last_problem = None
            return
        self._absent_polls = 0
        if self._card_latched:
            return  # the same card is still lying on the reader
        if sw3 == codec.SW_CARD_FOUND:
            self._read_card()
        else:
            self._card_failed(sw3, "find")

    def _read_card(self) -> None:
        assert self._link is not None
        try:
            selected = self._link.transact(codec.SELECT_CARD, SHORT_DEADLINE_S)
            if selected.sw3 != codec.SW_OK:
                self._card_failed(selected.sw3, "select")
                return
            answer = self._link.transact(codec.READ_TEXT_PHOTO, READ_DEADLINE_S)
        except (ReaderTimeout, ReaderBadAnswer) as exc:
            # The module answered find, so the line works: a card that moved, a
            # cut-off or garbled answer. Retried like a failed read rather than as a lost port.
            self._card_failed(None, "read", exc.message_en)
            return
        if answer.sw3 != codec.SW_OK:
            self._card_failed(answer.sw3, "read")
            return
        try:
            holder = self._holder_from_read_answer(answer.data)
        except CardDataError as exc:
            log.warning("%s", exc.message_en)
            self._card_latched = True
            self._problem(ProblemAction.CARD_UNREADABLE, zh.CARD_UNREADABLE, exc.message_en, None)
            return
        holder = self._with_latest_address(holder)
        self._card_latched = True
        self._failures = 0
        self._last_problem = None
        now = self._clock.now()
        key = hashlib.blake2b(holder.id_number.encode(), key=self._dedupe_key, digest_size=16).hexdigest()
        self._forget_expired_reads(now)
        removed, self._removed_since_read = self._removed_since_read, False
        today = now.date()
        if key in self._recent:
            # The window runs from the read that counted: a repeat does not extend it.
            if not removed:
                log.info("card %s read again within %.0f s without being taken away (reconnect): not reported",
                         holder.masked_id, self.settings.dedupe_seconds)
                return
            log.info("card %s laid again within %.0f s: reported as a repeat, not a new read", holder.masked_id,
                     self.settings.dedupe_seconds)
            self._emit(CardRead(holder, holder.age(today), holder.is_expired(today), repeat=True))
            return
        self._recent[key] = now
        event = CardRead(holder, holder.age(today), holder.is_expired(today))
        log.info("card read: %s%s", holder, " (expired)" if event.expired else "")
        self._emit(event)

    def _forget_expired_reads(self, now: dt.datetime) -> None:
        self._recent = {k: t for k, t in self._recent.items()
                        if (now - t).total_seconds() < self.settings.dedupe_seconds}

    @staticmethod
    def _holder_from_read_answer(data: bytes) -> Holder:
        if len(data) < 4:
            raise CardDataError("read answer too short for its length fields")
        text_length = int.from_bytes(data[0:2], "big")
        photo_length = int.from_bytes(data[2:4], "big")
        if text_length != TEXT_BLOCK_SIZE or len(data) < 4 + text_length + photo_length:
            raise CardDataError(f"read answer lengths inconsistent (text {text_length}, photo {photo_length}, "
                                f"{len(data) - 4} bytes present)")
        # The photo block (data[4+256:]) is dropped here unread: the kiosk has no use for it.
        return decode_text_block(data[4:4 + text_length])

    def _with_latest_address(self, holder: Holder) -> Holder:
        assert self._link is not None
        try:
            answer = self._link.transact(codec.READ_LATEST_ADDRESS, SHORT_DEADLINE_S)
        except ReaderTimeout:
            log.debug("no answer to the latest-address request; using the printed address")
            return holder
        except ReaderBadAnswer as exc:
            log.warning("latest address not read, using the printed address: %s", exc.message_en)
            return holder
        if answer.sw3 == codec.SW_OK and answer.data:
            return holder.with_latest_address(decode_latest_address(answer.data))
        if answer.sw3 != codec.SW_NO_CONTENT:
            log.debug("latest address not available: %s", answer.describe())
        return holder

    def _card_failed(self, sw3: int | None, stage: str, reason: str = "") -> None:
        status_action = action_for_status(sw3 if sw3 is not None else -1)
        if sw3 is not None:
            message_en = f"card {stage} failed: SW3={sw3:02X} ({codec.STATUS_NAMES.get(sw3, 'unknown status')})"
        else:
            message_en = f"card {stage} failed: {reason or 'no answer'}"
        # The SAM frame does not say which command it answers. A find answered "success"
        # (90) or a select answered "card found" (9F) is the late answer to the command
        # before it, which came after that command's deadline: the line is out of step
        # for one exchange, not the card at fault. Retried quietly like a moved card; a
        # module that keeps doing it is still reported after MAX_READ_ATTEMPTS.
        if sw3 is not None and sw3 in _ANSWERS_OF_OTHER_COMMANDS.get(stage, ()):
            message_en += " (an answer out of step: a late answer to the previous command)"
            status_action = dataclasses.replace(status_action, retry=True)
        if status_action.retry:
            self._failures += 1
            if self._failures < MAX_READ_ATTEMPTS:
                log.info("%s; retrying (%d of %d)", message_en, self._failures, MAX_READ_ATTEMPTS)
                return
            message_en += f" after {MAX_READ_ATTEMPTS} attempts"
        # Told once; wait for the card to be taken away before trying it again.
        self._card_latched = True
        self._problem(status_action.action or ProblemAction.PLACE_AGAIN,
                      status_action.message_zh or zh.PLACE_AGAIN, message_en, sw3)

    # -- helpers -----------------------------------------------------------------------
    def _reset_card_state(self) -> None:
        self._card_latched = False
        self._absent_polls = 0
        self._failures = 0

    def _lose_link(self, reason: str) -> None:
        self._close_link()
        self._reset_card_state()
        self._report_disconnected(reason)

    def _close_link(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()

    def _report_disconnected(self, reason: str) -> None:
        self._link_problem_en = f"ID-card reader unavailable: {reason}"
        self._set_status(ReaderStatus.DISCONNECTED)
        self._problem(ProblemAction.DISCONNECTED, zh.READER_DISCONNECTED, f"ID-card reader unavailable: {reason}", None)

    def _problem(self, action: ProblemAction, message_zh: str, message_en: str, sw3: int | None) -> None:
        # Repeated identical faults (e.g. a reader unplugged for an hour) are reported once.
        if action == self._last_problem and action in (ProblemAction.DISCONNECTED, ProblemAction.READER_FAULT,
                                                      ProblemAction.OUT_OF_SERVICE):
            log.debug("%s (still)", message_en)
            return
        self._last_problem = action
        log.warning("%s", message_en)
        self._emit(ReaderProblem(message_zh, message_en, action, sw3))

    def _set_status(self, status: ReaderStatus) -> None:
        with self._status_lock:
            self._status = status

    def _emit(self, event: ReaderEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a UI bug must not kill the reader thread
            log.exception("ID-card event handler failed for %s", type(event).__name__)


def with_port(settings: IdCardSettings, port: str) -> IdCardSettings:
    """Settings pointing at a concrete port (used when the simulator supplies one)."""
    return dataclasses.replace(settings, port=port, vid_pid="")


def open_reader_service(settings: IdCardSettings, on_event: Callable[[ReaderEvent], None],
                        clock: Clock | None = None):
    """Composition-root helper: the service for `settings`, plus the simulator it reads
    from when `settings.driver == "simulator"` (else None). Neither is started; start the
    service, and stop both at shutdown (service first).
    """
    simulator = None
    if settings.driver == "simulator":
        from devices.idcard.simulator import start_simulated_reader

        simulator, port = start_simulated_reader(settings)
        settings = with_port(settings, port)
    return IdCardReaderService(settings, on_event, clock), simulator

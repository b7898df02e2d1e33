"""The kiosk's ticket printer: one worker thread, status before and after each job.

The queue number is issued before printing and stays valid whatever happens here;
this service only reports what happened, through a callback the app marshals onto its
UI thread. It never resends a job by itself (a ticket must not come out twice), and
a non-reprint job for a ticket that was already printed is skipped.

A caller that stops waiting (`PrintJob.give_up`, `print_now` at its deadline) is told
only what the paper cannot contradict later: a job that has not sent a byte of its
document yet is withdrawn and never prints; one that has is "maybe incomplete".
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import logging
import queue
import threading
from dataclasses import dataclass, replace
from typing import Callable

from devices.printer import messages_zh as zh
from devices.printer.connection import close_quietly, describe_link, open_printer, read_status, width_dots
from devices.printer.errors import PrinterError, PrinterUnreachable, PrinterWriteStalled
from devices.printer.layouts import layout
from devices.printer.settings import PrinterSettings
from devices.printer.status import PrinterState, PrinterStatus
from devices.base.clock import Clock, SystemClock

log = logging.getLogger("devices.printer")

# After a job, these states mean the paper may have stopped half way.
_BROKEN_AFTER_JOB = (PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.OFFLINE,
                     PrinterState.ERROR, PrinterState.NO_ANSWER, PrinterState.BAD_REPLY, PrinterState.UNREACHABLE)
_REMEMBERED_KEYS = 5000
_STATUS_REQUEST = object()


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    status: PrinterStatus
    message_zh: str
    message_en: str
    job_bytes: int
    kind: str = ""
    # Ticket id / receipt key of the job ("" for checklists).
    key: str = ""
    reprint: bool = False
    # The same original was printed before; nothing was sent this time.
    duplicate: bool = False
    # Bytes were sent but the printer failed right after: offer a 补打.
    maybe_incomplete: bool = False

    @property
    def state(self) -> PrinterState:
        return self.status.state

    @property
    def show_on_screen(self) -> bool:
        """The app must show the number large with an on-screen QR (also when the link
        cannot tell whether the paper came out)."""
        return not self.printed or self.maybe_incomplete or self.status.state is PrinterState.NOT_READABLE


class _Stage(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"  # opening the link, asking the status: nothing of the document sent
    SENDING = "sending"  # the first byte of the document went to the link
    FINISHED = "finished"
    WITHDRAWN = "withdrawn"


class _Withdrawn(Exception):
    """Raised on the worker at the first byte of a job that was withdrawn meanwhile."""


class PrintJob:
    """One submitted job and how far it got; `submit` returns it.

    The worker moves the job to SENDING under `_lock` right before the first byte of
    the document goes to the link, and `give_up` withdraws it under the same lock only
    while nothing has been sent. So a job is either withdrawn whole (it never prints)
    or known to be on the wire (it may print): never "not printed" and then printed.
    """

    def __init__(self, service: "TicketPrinterService", job: object,
                 on_done: Callable[[PrintOutcome], None] | None) -> None:
        self.job = job
        self.on_done = on_done
        self._service = service
        self._lock = threading.Lock()
        self._stage = _Stage.QUEUED
        self._finished = threading.Event()
        # Set by the worker: the document's kind/key/reprint, bytes sent so far, the outcome.
        self._common: dict | None = None
        self.bytes_sent = 0
        self._outcome: PrintOutcome | None = None
        # What a caller that gave up was told (asked again, it hears the same).
        self._answer: PrintOutcome | None = None

    def wait(self, timeout: float | None = None) -> PrintOutcome | None:
        """The worker's outcome once the job has ended, else None (after `timeout` s, or
        at once for a job withdrawn before it ran)."""
        return self._outcome if self._finished.wait(timeout) else None

    def give_up(self, waited: float | None = None) -> PrintOutcome:
        """Stop waiting for this job and learn what to tell the citizen.

        Not started sending: withdrawn, it will never print; "not printed". Sending:
        it may still print, "maybe incomplete". Ended: the worker's own outcome. Once
        given up, `on_done` is not called (the caller already has its answer).
        """
        with self._lock:
            if self._answer is not None:
                return self._answer
            if self._stage is _Stage.FINISHED:
                assert self._outcome is not None
                self._answer = self._outcome
                return self._answer
            withdrawn = self._stage in (_Stage.QUEUED, _Stage.RUNNING)
            if withdrawn:
                self._stage = _Stage.WITHDRAWN
            # Decided under the lock: from here the worker neither sends a withdrawn
            # job nor delivers a late outcome to `on_done`.
            self._answer = self._service._given_up(self, withdrawn, waited)
        # Staff hear of it outside the lock: their callback must not hold up the worker.
        self._service._alert(self._answer.status, self._answer.key,
                             "" if withdrawn else zh.STAFF_STILL_SENDING)
        return self._answer

    # -- worker side ------------------------------------------------------------------------
    def _begin(self) -> bool:
        with self._lock:
            if self._stage is not _Stage.QUEUED:
                self._finished.set()  # withdrawn while queued: it ends here, with no outcome
                return False
            self._stage = _Stage.RUNNING
            return True

    def _start_sending(self) -> None:
        with self._lock:
            if self._stage is _Stage.WITHDRAWN:
                raise _Withdrawn()
            self._stage = _Stage.SENDING

    def _finish(self, outcome: PrintOutcome) -> bool:
        """Record the outcome; True if `on_done` should hear it (nobody gave up on it)."""
        with self._lock:
            self._outcome = outcome
            if self._stage is not _Stage.WITHDRAWN:
                self._stage = _Stage.FINISHED
            deliver = self._answer is None
        self._finished.set()
        return deliver


@dataclass(frozen=True)
class PrinterAlert:
    state: PrinterState
    message_zh: str  # for staff
    message_en: str
    at: dt.datetime
    job_key: str = ""


class TicketPrinterService:
    def __init__(self, settings: PrinterSettings, on_alert: Callable[[PrinterAlert], None] | None = None,
                 clock: Clock | None = None, port: int | None = None) -> None:
        self.settings = settings
        self.on_alert = on_alert
        self.clock = clock or SystemClock()
        # A simulator started on a free port passes its port here.
        self.port = port
        self.alerts: collections.deque[PrinterAlert] = collections.deque(maxlen=200)
        self._jobs: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._link_lock = threading.Lock()
        self._printed_keys: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._last_state: PrinterState | None = None
        self._width_dots = width_dots(settings)

    def __repr__(self) -> str:
        return f"TicketPrinterService({describe_link(self.settings, self.port)})"

    # -- public API -------------------------------------------------------------------
    def submit(self, job: object, on_done: Callable[[PrintOutcome], None] | None = None) -> PrintJob:
        """Queue a job for the worker thread; returns at once. `on_done` runs on the worker,
        once, when the job has ended (not if the caller gave up on it first)."""
        handle = PrintJob(self, job, on_done)
        self._ensure_worker()
        self._jobs.put(handle)
        return handle

    def reprint(self, job: object, on_done: Callable[[PrintOutcome], None] | None = None) -> PrintJob:
        """Print a ticket/receipt again, marked 补打, with the same number."""
        return self.submit(replace(job, reprint=True), on_done)

    def print_now(self, job: object, timeout: float | None = None) -> PrintOutcome:
        """Blocking print for the CLI and tests (still runs on the worker, in order).

        At the deadline the job is withdrawn if none of it was sent yet, else reported
        as maybe incomplete: an operator who retries after "not printed" must not get
        two slips with the same number."""
        handle = self.submit(job)
        limit = timeout if timeout is not None else self._job_time_limit()
        outcome = handle.wait(limit)
        return outcome if outcome is not None else handle.give_up(limit)

    def request_status(self, on_done: Callable[[PrinterStatus], None]) -> None:
        """Ask the printer on the worker thread (for the app's idle check every 10-30 s);
        `on_done` gets the PrinterStatus there. Returns at once."""
        self._ensure_worker()
        self._jobs.put((_STATUS_REQUEST, on_done))

    def status(self) -> PrinterStatus:
        """Ask the printer now (blocking, at most a few status timeouts)."""
        with self._link_lock:
            try:
                printer = open_printer(self.settings, self.port)
            except PrinterUnreachable as exc:
                status = PrinterStatus(PrinterState.UNREACHABLE, detail=exc.message_en)
            else:
                try:
                    status = read_status(printer, self.settings.status_timeout_seconds)
                finally:
                    close_quietly(printer)
        if status.state is not self._last_state and status.state.needs_staff:
            self._alert(status, "")
        self._last_state = status.state
        return status

    def close(self, timeout: float = 5.0) -> None:
        worker = self._worker
        if worker is not None:
            self._jobs.put(None)
            worker.join(timeout)
            self._worker = None

    # -- worker -----------------------------------------------------------------------
    def _job_time_limit(self) -> float:
        return self.settings.timeout_seconds * 3 + self.settings.status_timeout_seconds * 8 + 5

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="ticket-printer", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            if isinstance(item, tuple) and item[0] is _STATUS_REQUEST:
                try:
                    item[1](self.status())
                except Exception:
                    log.exception("printer status request failed")
                continue
            handle: PrintJob = item
            if not handle._begin():
                log.info("print job withdrawn while queued; not sent")
                continue
            try:
                outcome = self._run(handle)
            except _Withdrawn:
                log.info("%s %s withdrawn before any byte was sent", *self._describe(handle))
                handle._finished.set()
                continue
            except PrinterError as exc:
                status = PrinterStatus(PrinterState.ERROR, detail=exc.message_en)
                outcome = PrintOutcome(False, status, exc.message_zh, exc.message_en, 0)
                self._alert(status, "")
            except Exception as exc:  # a bug must not kill the worker and strand later jobs
                log.exception("printing failed")
                status = PrinterStatus(PrinterState.ERROR, detail=f"{type(exc).__name__}: {exc}")
                outcome = PrintOutcome(False, status, zh.CITIZEN_BY_STATE["error"], status.message_en, 0)
            if not handle._finish(outcome):
                # The caller already has its answer (withdrawn, or "may print"): only the log hears this one.
                log.warning("%s %s ended after its caller gave up: %s", *self._describe(handle), outcome.message_en)
                continue
            if handle.on_done is not None:
                try:
                    handle.on_done(outcome)
                except Exception:
                    log.exception("print outcome callback failed")

    def _run(self, handle: PrintJob) -> PrintOutcome:
        from devices.printer.escpos_writer import WriteOptions, write_document

        document = self._layout(handle.job)
        common = dict(kind=document.kind, key=document.key, reprint=document.reprint)
        handle._common = common
        if document.key and not document.reprint and document.key in self._printed_keys:
            status = PrinterStatus(PrinterState.READY, detail="already printed")
            log.info("%s %s already printed; not printing a second original", document.kind, document.key)
            return PrintOutcome(True, status, zh.CITIZEN_ALREADY_PRINTED, f"{document.kind} already printed; skipped",
                                0, duplicate=True, **common)
        previous_state = self._last_state
        with self._link_lock:
            try:
                printer = open_printer(self.settings, self.port)
            except PrinterUnreachable as exc:
                status = PrinterStatus(PrinterState.UNREACHABLE, detail=exc.message_en)
                return self._refused(status, document.key, common)
            sent = [0]
            started = [False]
            try:
                before = read_status(printer, self.settings.status_timeout_seconds, self.settings.timeout_seconds)
                if not before.can_print:
                    return self._refused(before, document.key, common)
                raw = printer._raw

                def counting_raw(message: bytes) -> None:
                    if not started[0]:
                        # The point of no return: past here a caller who gives up is
                        # told the job may print; before it, the job is withdrawn.
                        handle._start_sending()
                        started[0] = True
                    try:
                        raw(message)
                    except PrinterWriteStalled as exc:
                        sent[0] += exc.bytes_written  # part of this write went out
                        handle.bytes_sent = sent[0]
                        raise
                    sent[0] += len(message)
                    handle.bytes_sent = sent[0]

                printer._raw = counting_raw
                try:
                    write_document(printer, document, WriteOptions.from_settings(self.settings))
                finally:
                    del printer._raw
                after = read_status(printer, self.settings.status_timeout_seconds, self.settings.timeout_seconds)
            except _Withdrawn:
                raise
            except PrinterWriteStalled as exc:
                return self._stalled(exc, document.key, sent[0], common)
            except OSError as exc:
                status = PrinterStatus(PrinterState.UNREACHABLE, detail=f"link broke while printing: {exc}")
                if sent[0] == 0:
                    return self._refused(status, document.key, common)
                return self._incomplete(status, document.key, sent[0], common)
            except PrinterError:
                raise
            except Exception as exc:  # python-escpos refusing part of the job (e.g. ImageWidthError), or a bug
                log.exception("printing %s failed", document.kind)
                status = PrinterStatus(PrinterState.ERROR, detail=f"{type(exc).__name__}: {exc}")
                if sent[0] == 0:
                    return self._refused(status, document.key, common)
                # Part of the job (no cut) is already on the paper: staff must know.
                return self._incomplete(status, document.key, sent[0], common)
            finally:
                close_quietly(printer)
        self._last_state = after.state
        if after.state in _BROKEN_AFTER_JOB:
            return self._incomplete(after, document.key, sent[0], common)
        if document.key:
            self._remember(document.key)
        if PrinterState.NEAR_END in (before.state, after.state) and previous_state is not PrinterState.NEAR_END:
            # Once per roll, not once per ticket: the roll lasts a few hundred more.
            near_end = after if after.state is PrinterState.NEAR_END else before
            self._alert(near_end, document.key)
        log.info("printed %s (%d bytes): %s", document.kind, sent[0], after.message_en)
        return PrintOutcome(True, after, zh.CITIZEN_BY_STATE[after.state.value],
                            f"printed {document.kind}, {sent[0]} bytes; {after.message_en}", sent[0], **common)

    def _layout(self, job: object):
        return layout(job, self._width_dots, self.settings.print_masked_name, self.settings.qr_module_size or None)

    def _describe(self, handle: PrintJob) -> tuple[str, str]:
        """(kind, key) of a job, also one the worker has not laid out yet (for outcomes and logs)."""
        if handle._common is None:
            try:
                document = self._layout(handle.job)
            except Exception:  # the worker reports an unprintable job; here it is only named
                return type(handle.job).__name__, ""
            handle._common = dict(kind=document.kind, key=document.key, reprint=document.reprint)
        return handle._common["kind"], handle._common["key"]

    def _given_up(self, handle: PrintJob, withdrawn: bool, waited: float | None) -> PrintOutcome:
        """What a caller that stopped waiting is told (see PrintJob.give_up)."""
        self._describe(handle)
        common = dict(handle._common or {})
        after = f" after {waited:.1f} s" if waited is not None else ""
        if withdrawn:
            status = PrinterStatus(PrinterState.NO_ANSWER,
                                   detail=f"job not finished{after}; withdrawn before any byte was sent")
            log.warning("not printing %s %s: %s", common.get("kind", ""), common.get("key", ""), status.message_en)
            return PrintOutcome(False, status, zh.CITIZEN_TIMEOUT, f"not printed: {status.message_en}", 0, **common)
        sent = handle.bytes_sent
        status = PrinterStatus(PrinterState.NO_ANSWER,
                               detail=f"job not finished{after}, {sent} bytes already sent; it may still print")
        log.warning("%s %s may still print (%d bytes sent): %s", common.get("kind", ""), common.get("key", ""),
                    sent, status.message_en)
        return PrintOutcome(False, status, zh.CITIZEN_MAYBE_INCOMPLETE,
                            f"sent {sent} bytes, not finished{after}; it may still print", sent,
                            maybe_incomplete=True, **common)

    def _refused(self, status: PrinterStatus, key: str, common: dict) -> PrintOutcome:
        self._last_state = status.state
        self._alert(status, key)
        log.warning("not printing %s: %s", common["kind"], status.message_en)
        return PrintOutcome(False, status, status.message_zh, f"not printed: {status.message_en}", 0, **common)

    def _incomplete(self, status: PrinterStatus, key: str, sent: int, common: dict) -> PrintOutcome:
        self._last_state = status.state
        self._alert(status, key, zh.STAFF_MAYBE_INCOMPLETE)
        log.warning("%s may be incomplete (%d bytes sent): %s", common["kind"], sent, status.message_en)
        return PrintOutcome(False, status, zh.CITIZEN_MAYBE_INCOMPLETE,
                            f"sent {sent} bytes but then: {status.message_en}", sent, maybe_incomplete=True, **common)

    def _stalled(self, exc: PrinterWriteStalled, key: str, sent: int, common: dict) -> PrintOutcome:
        """The device file stopped taking data (usblp: paper out, cover open, offline).
        The write gave up after the timeout; the link is closed and the next job tries
        again, so a printer that gets paper prints the next ticket."""
        status = PrinterStatus(PrinterState.OFFLINE,
                               detail=f"{describe_link(self.settings, self.port)} stopped accepting data "
                                      f"(paper out, cover open or offline?): {exc}")
        self._last_state = status.state
        if sent == 0:
            self._alert(status, key, zh.STAFF_NOT_ACCEPTING)
            log.warning("not printing %s: %s", common["kind"], status.message_en)
            return PrintOutcome(False, status, zh.CITIZEN_NOT_ACCEPTING, f"not printed: {status.message_en}", 0,
                                **common)
        self._alert(status, key, zh.STAFF_STALLED_MID_JOB)
        log.warning("%s may be incomplete (%d bytes sent): %s", common["kind"], sent, status.message_en)
        return PrintOutcome(False, status, zh.CITIZEN_MAYBE_INCOMPLETE,
                            f"sent {sent} bytes but then: {status.message_en}", sent, maybe_incomplete=True, **common)

    def _remember(self, key: str) -> None:
        self._printed_keys[key] = None
        while len(self._printed_keys) > _REMEMBERED_KEYS:
            self._printed_keys.popitem(last=False)

    def _alert(self, status: PrinterStatus, key: str, staff_zh: str = "") -> None:
        alert = PrinterAlert(status.state, staff_zh or status.staff_message_zh or status.message_zh,
                             status.message_en, self.clock.now(), key)
        self.alerts.append(alert)
        log.warning("printer alert: %s", alert.message_en)
        if self.on_alert is not None:
            try:
                self.on_alert(alert)
            except Exception:
                log.exception("printer alert callback failed")

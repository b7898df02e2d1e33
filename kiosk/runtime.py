"""The kiosk's composition, without Kivy: database, queue, alerts, guides, devices.

`KioskRuntime(settings)` builds everything the touch screen needs from the hall's
settings; `start()` brings up the devices (and their simulators when the driver is
"simulator": the reader's simulator on a pty pair, the printer's on a TCP port), and
`stop()` shuts all of it down. The app is handed a runtime and never constructs a
device itself; tests build a runtime the same way the real kiosk does.

Everything here is thread-agnostic: device callbacks arrive on device threads and
the app marshals them onto its UI thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.alerts import AlertLog
from devices.base.clock import HALL_TZ, Clock, SystemClock
from kiosk.config import Settings
from devices.base.errors import KioskError
from kiosk.errors import ClockBehind
from kiosk.hall_hours import IssuingState, issuing_state
from kiosk.maintenance import DailyPurge
from kiosk.queueing.engine import QueueEngine
from kiosk.queueing.models import IssuedTicket, QueueStatus, WindowStatus
from kiosk.store import Store

log = logging.getLogger(__name__)


class OffsetClock:
    """Real time shifted to start at a given local moment (`kiosk run --at`, demos, e2e)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=HALL_TZ)
        self._offset = start - dt.datetime.now(HALL_TZ)

    def now(self) -> dt.datetime:
        return dt.datetime.now(HALL_TZ) + self._offset


@dataclass(frozen=True)
class DeviceState:
    """One line of the staff device panel."""

    name_key: str  # "idcard" / "printer" / "camera"
    ok: bool
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class PrintResult:
    """What the screen needs to know about a print, whatever the printer package says."""

    printed: bool
    message_zh: str
    message_en: str
    show_on_screen: bool


class KioskRuntime:
    def __init__(self, settings: Settings, clock: Clock | None = None, enforce_hours: bool = True,
                 cache_dir: Path | None = None) -> None:
        self.settings = settings
        # Derived files (the guides' pinyin index); shared between halls' runs if given.
        self.cache_dir = cache_dir or settings.data_dir / "cache"
        self.clock = clock or SystemClock()
        self.store = Store(settings.database_path)
        self.engine = QueueEngine(settings, self.store, self.clock, enforce_hours=enforce_hours)
        self.alerts = AlertLog(self.store, self.clock)
        self.maintenance = DailyPurge(settings, self.store, self.clock)
        self._clock_alert_open = False
        self.reader: Any = None
        self.printer: Any = None
        self.reader_simulator: Any = None
        self.printer_simulator: Any = None
        self._catalogue: Any = None
        self._search: Any = None
        self._catalogue_lock = threading.Lock()
        self._on_card_event: Callable[[Any], None] | None = None
        self.last_reader_event: Any = None
        self.started = False

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, on_card_event: Callable[[Any], None] | None = None) -> "KioskRuntime":
        """Start simulators (if configured), the printer worker and the reader thread."""
        self._on_card_event = on_card_event
        self.store.start_idle_checkpoints()
        self.maintenance.start()  # the retention purge now and once a day
        self._start_printer()
        self._start_reader()
        self.started = True
        return self

    def stop(self) -> None:
        for name, stop in (("reader", lambda: self.reader and self.reader.stop()),
                           ("printer", lambda: self.printer and self.printer.close()),
                           ("reader simulator", lambda: _stop_handle(self.reader_simulator)),
                           ("printer simulator", lambda: _stop_handle(self.printer_simulator))):
            try:
                stop()
            except Exception:  # shutting down: report, carry on with the rest
                log.exception("stopping the %s failed", name)
        self.reader = self.printer = self.reader_simulator = self.printer_simulator = None
        self.maintenance.stop()
        try:
            self.store.close()
        except Exception:
            log.exception("closing the database failed")
        self.started = False

    def _start_printer(self) -> None:
        from devices.printer.service import TicketPrinterService

        printer_settings = self.settings.devices.printer
        port = None
        if printer_settings.driver == "simulator":
            from devices.printer.simulator import start_simulated_printer

            self.printer_simulator, port = start_simulated_printer(printer_settings)
        self.printer = TicketPrinterService(printer_settings, on_alert=self._printer_alert, clock=self.clock,
                                            port=port)

    def _start_reader(self) -> None:
        from devices.idcard.service import IdCardReaderService, with_port

        reader_settings = self.settings.devices.idcard
        if reader_settings.driver == "simulator":
            from devices.idcard.simulator import start_simulated_reader

            self.reader_simulator, port_path = start_simulated_reader(reader_settings)
            reader_settings = with_port(reader_settings, port_path)
        self.reader = IdCardReaderService(reader_settings, self._reader_event, clock=self.clock)
        self.reader.start()

    # -- simulator controls (demo and trials without hardware) ----------------------------------
    def simulator_action(self, key_name: str) -> str | None:
        """Act on a simulated device for a function key; None if the key or device is not simulated.

        With the default settings nobody can lay a real card on the reader or open the
        printer's cover, so `kiosk run` maps function keys to the simulators (listed
        in SIMULATOR_KEYS). With real devices configured these keys do nothing.
        """
        action = SIMULATOR_KEYS.get(key_name)
        if action is None:
            return None
        kind, argument = action
        if kind == "printer":
            if self.printer_simulator is None:
                return None
            states = PRINTER_STATE_CYCLE
            current = getattr(self.printer_simulator, "state", "ok")
            following = states[(states.index(current) + 1) % len(states)] if current in states else states[0]
            self.printer_simulator.set_state(following)
            return f"printer simulator state: {following}"
        if self.reader_simulator is None:
            return None
        if kind == "card":
            self.reader_simulator.place_card(argument)
            return f"card placed on the reader simulator: {argument}"
        if kind == "non_id":
            self.reader_simulator.place_non_id_card()
            return "non-ID card placed on the reader simulator"
        self.reader_simulator.remove_card()
        return "card removed from the reader simulator"

    # -- devices -> alerts ---------------------------------------------------------------
    def _printer_alert(self, alert: Any) -> None:
        level = "warning" if alert.state.value == "near_end" else "error"
        self.alerts.raise_alert("printer", level, alert.state.value, alert.message_zh, alert.message_en)

    def _reader_event(self, event: Any) -> None:
        from devices.idcard.service import ProblemAction, ReaderProblem, ReaderReady

        self.last_reader_event = event
        if isinstance(event, ReaderProblem) and event.action in (
                ProblemAction.DISCONNECTED, ProblemAction.READER_FAULT, ProblemAction.OUT_OF_SERVICE):
            self.alerts.raise_alert("idcard", "error", event.action.value, event.message_zh, event.message_en)
        elif isinstance(event, ReaderReady):
            self.alerts.resolve("idcard")
        if self._on_card_event is not None:
            self._on_card_event(event)

    # -- queue -----------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock.now()

    def issuing_state(self) -> IssuingState:
        return issuing_state(self.settings.hours, self.clock.now())

    def queue_status(self) -> list[QueueStatus]:
        return self.engine.status()

    def window_status(self) -> list[WindowStatus]:
        return self.engine.windows()

    def priority_for_age(self, age: int | None) -> str:
        """The priority class a card holder gets by age ("normal" below the configured age)."""
        if age is None or age < self.settings.policy.elderly_priority_age:
            return "normal"
        return "elderly" if "elderly" in self.settings.priority_ids() else "normal"

    def take_number(self, queue_id: str, priority: str = "normal", id_number: str | None = None) -> IssuedTicket:
        """Issue a ticket (one transaction) or raise a KioskError with its Chinese message."""
        try:
            issued = self.engine.issue(queue_id, priority=priority, holder_id_number=id_number, channel="kiosk")
        except ClockBehind as exc:
            # The citizen is told to ask staff; staff need to know why nobody gets a number.
            log.error("%s", exc.message_en)
            self.alerts.raise_alert("clock", "error", exc.code, CLOCK_BEHIND_STAFF, exc.message_en)
            self._clock_alert_open = True
            raise
        if self._clock_alert_open:  # the clock was set right: the alert (and its button) go away
            self.alerts.resolve("clock", "clock_behind")
            self._clock_alert_open = False
        return issued

    def clock_needs_confirming(self) -> bool:
        return any(alert.source == "clock" and alert.code == "clock_behind" for alert in self.alerts.open_alerts())

    def confirm_clock(self) -> str:
        """Staff checked the date and time on the screen: issuing resumes. Returns the Chinese result."""
        result = self.engine.confirm_clock(actor="staff")
        self.alerts.resolve("clock", "clock_behind")
        return result.announcement

    def ticket_url(self, issued: IssuedTicket) -> str:
        token = self.engine.holder_key.ticket_link_token(issued.ticket.id)
        return f"{self.settings.hall.public_url.rstrip('/')}/t/{token}"

    def guide_url(self, guide_id: str) -> str:
        return f"{self.settings.hall.public_url.rstrip('/')}/guides/{guide_id}"

    # -- printing (worker thread; on_done is called on it) -----------------------------------
    def print_ticket(self, issued: IssuedTicket, masked_name: str, on_done: Callable[[PrintResult], None]) -> None:
        from devices.printer.layouts import QueueTicket

        window_numbers = [str(w.number) for w in self.settings.windows if issued.ticket.queue_id in w.queues]
        job = QueueTicket(
            hall_name=self.settings.hall.name,
            queue_name=issued.queue_name,
            code=issued.code,
            people_ahead=issued.people_ahead,
            wait_minutes_low=issued.estimate.low_minutes,
            wait_minutes_high=issued.estimate.high_minutes,
            issued_at=issued.ticket.issued_at,
            qr_url=self.ticket_url(issued),
            masked_name=masked_name,
            window_hint="、".join(window_numbers) + "号窗口" if window_numbers else "",
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
            qr_url=self.guide_url(guide.id),
        )
        self._submit(job, on_done)

    def test_print(self, on_done: Callable[[PrintResult], None]) -> None:
        from devices.printer.layouts import sample_ticket

        queue = self.settings.queues[0]
        job = sample_ticket(queue.prefix, queue.name, self.settings.hall.name, self.settings.hall.public_url,
                            self.clock.now())
        self._submit(job, on_done, reprint=True)

    def _submit(self, job: Any, on_done: Callable[[PrintResult], None], reprint: bool = False) -> None:
        if self.printer is None:
            on_done(PrintResult(False, "打印机没有启动，请记住屏幕上的号码", "printer service not started", True))
            return

        def finished(outcome: Any) -> None:
            if outcome.printed and not outcome.maybe_incomplete:
                self.alerts.resolve("printer")
            on_done(PrintResult(outcome.printed, outcome.message_zh, outcome.message_en, outcome.show_on_screen))

        if reprint:
            self.printer.reprint(job, finished)
        else:
            self.printer.submit(job, finished)

    # -- guides (loaded on first use, off the first frame) -----------------------------------
    def catalogue(self) -> Any:
        with self._catalogue_lock:
            if self._catalogue is None:
                from kiosk.guides.catalogue import load_catalogue

                started = time.perf_counter()
                self._catalogue = load_catalogue(strict=False)
                log.info("guide catalogue: %d guides in %.0f ms", len(self._catalogue),
                         (time.perf_counter() - started) * 1000)
            return self._catalogue

    def guide_search(self) -> Any:
        with self._catalogue_lock:
            search = self._search
        if search is None:
            from kiosk.guides.search import GuideSearch

            search = GuideSearch(self.catalogue(), cache_dir=self.cache_dir)
            with self._catalogue_lock:
                self._search = search
        return search

    def warm_up_guides(self) -> threading.Thread:
        """Load the catalogue and build the search index on a worker thread (after the first frame)."""

        def work() -> None:
            try:
                self.guide_search()
            except Exception:
                log.exception("preparing the guide search failed")

        thread = threading.Thread(target=work, name="guides-warm-up", daemon=True)
        thread.start()
        return thread

    # -- staff ---------------------------------------------------------------------------------
    def device_states(self) -> list[DeviceState]:
        """Asks each device now (blocking for up to a few seconds: call off the UI thread)."""
        states = []
        if self.reader is None:
            states.append(DeviceState("idcard", False, "读卡器未启动", "reader not started"))
        else:
            status = self.reader.status.value
            states.append(DeviceState("idcard", status == "ready", READER_STATUS_ZH.get(status, status),
                                      f"reader {status}"))
        if self.printer is None:
            states.append(DeviceState("printer", False, "打印机未启动", "printer not started"))
        else:
            status = self.printer.status()
            text = status.staff_message_zh or ("打印机正常" if status.can_print else status.message_zh)
            states.append(DeviceState("printer", status.can_print, text, status.message_en))
        states.append(self._camera_state())
        return states

    def _camera_state(self) -> DeviceState:
        try:
            from devices.camera.capture import open_camera
        except ImportError:
            return DeviceState("camera", False, "高拍仪程序未安装", "camera module not installed")
        try:
            camera = open_camera(self.settings.devices.camera)
        except KioskError as exc:
            return DeviceState("camera", False, exc.message_zh, exc.message_en)
        except Exception as exc:
            return DeviceState("camera", False, "高拍仪打不开", f"camera failed to open: {exc}")
        try:
            close = getattr(camera, "close", None) or getattr(camera, "release", None)
            if close:
                close()
        except Exception:
            log.exception("closing the camera failed")
        return DeviceState("camera", True, "高拍仪正常", "camera opened")


# Function keys that drive the simulators in `kiosk run` (see README "The touch screen").
CLOCK_BEHIND_STAFF = "机器时间比已经取出的号还早，取号已暂停。请校正系统时间（日期和钟点）后再试"

SIMULATOR_KEYS: dict[str, tuple[str, str | None]] = {
    "f1": ("card", "resident"),
    "f2": ("card", "elderly"),
    "f3": ("card", "expired"),
    "f4": ("card", "hmt"),
    "f5": ("card", "foreign_2023"),
    "f6": ("non_id", None),
    "f7": ("remove", None),
    "f8": ("printer", None),
}
PRINTER_STATE_CYCLE = ("ok", "near_end", "paper_out", "cover_open", "silent")


READER_STATUS_ZH = {
    "stopped": "读卡器已停止",
    "connecting": "正在连接读卡器",
    "ready": "读卡器正常",
    "disconnected": "读卡器没有连接",
    "fault": "读卡器故障",
}


def _stop_handle(handle: Any) -> None:
    if handle is None:
        return
    for name in ("stop", "close"):
        method = getattr(handle, name, None)
        if method is not None:
            method()
            return


def with_dedupe(settings: Settings, seconds: float) -> Settings:
    """Settings whose reader treats a card placed again after `seconds` as a new read."""
    devices = dataclasses.replace(settings.devices,
                                  idcard=dataclasses.replace(settings.devices.idcard, dedupe_seconds=seconds))
    return _replace_keep_source(settings, devices=devices)


def _replace_keep_source(settings: Settings, **changes: Any) -> Settings:
    replaced = dataclasses.replace(settings, **changes)
    object.__setattr__(replaced, "source", settings.source)
    return replaced


# -- memory ------------------------------------------------------------------------------------

_LIBC: Any = None


def release_free_memory() -> bool:
    """Give freed heap pages back to the OS (glibc `malloc_trim`); True if it ran.

    Rendering a long guide allocates and frees many text textures; glibc keeps the
    freed pages, so without this the kiosk's RSS creeps up visit after visit although
    nothing leaks (measured: +33 MB over 60 guide views, back to below the start after
    one trim). Called when a visit ends.
    """
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes
            import ctypes.util

            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC.malloc_trim  # noqa: B018  (not glibc: AttributeError)
        except (OSError, AttributeError):
            _LIBC = False
    if not _LIBC:
        return False
    _LIBC.malloc_trim(0)
    return True


# -- systemd notify (READY / WATCHDOG) ------------------------------------------------------

def sd_notify(message: str) -> bool:
    """Send one sd_notify datagram if systemd asked for it ($NOTIFY_SOCKET); True if sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("ascii"))
        return True
    except OSError as exc:
        log.warning("sd_notify failed: %s", exc)
        return False


def watchdog_interval() -> float | None:
    """Half of $WATCHDOG_USEC in seconds, or None when systemd runs no watchdog for us."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid.isdigit() and int(pid) != os.getpid()):
        return None
    try:
        return max(0.5, int(usec) / 2_000_000)
    except ValueError:
        return None

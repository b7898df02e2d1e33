"""The whole kiosk, devices included: `KioskRuntime(settings)` builds it, `start()` brings it up.

`start()` brings up the devices (and their simulators when the driver is
"simulator": the reader's simulator on a pty pair, the printer's on a TCP port),
and `stop()` shuts all of it down. A front end is handed a runtime and uses its
services (`runtime.tickets`, `runtime.printing`, `runtime.guides`,
`runtime.device_health`, `runtime.staff_access`, `runtime.dropoff`); it never constructs a device itself,
and tests build a runtime the same way the real kiosk does.

The document camera (高拍仪) runs only while the drop-off flow's camera screen asks
for it (`start_camera()` / `stop_camera()`); see `_probe_camera` for why and how the
Home tile still knows whether the camera works.

Device callbacks arrive on device threads; the front end moves them to its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any, Callable

from devices.base.clock import HALL_TZ, Clock
from kiosk.config import Settings
from kiosk.root.hall import open_hall
from kiosk.root.simulator_keys import act_on_simulator
from kiosk.services.device_health import DeviceHealth

log = logging.getLogger(__name__)


class OffsetClock:
    """Real time shifted to start at a given local moment (`kiosk run --at`, demos, e2e)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=HALL_TZ)
        self._offset = start - dt.datetime.now(HALL_TZ)

    def now(self) -> dt.datetime:
        return dt.datetime.now(HALL_TZ) + self._offset


class KioskRuntime:
    def __init__(self, settings: Settings, clock: Clock | None = None, enforce_hours: bool = True,
                 cache_dir: Path | None = None, serve_hall: bool = False) -> None:
        """`serve_hall`: run the hall server in this process from start() (`kiosk run` without
        --no-server and with [server] with_kiosk); tests that need no server leave it off.

        With `[server] hall_url` this is a second kiosk: numbers and the hall overview come
        from that hall server (RemoteTicketService); it serves no hall server itself and
        offers no drop-off (see _second_kiosk). Raises ConfigError without a device token.
        """
        token = ""
        if settings.server.hall_url:
            settings, token = _second_kiosk(settings)
            if serve_hall:
                log.info("a second kiosk serves no hall server: %s does", settings.server.hall_url)
            serve_hall = False
        self.settings = settings
        self.serve_hall = serve_hall
        self.hall_server: Any = None  # the InProcessHallServer once it serves
        hall = open_hall(settings, clock, enforce_hours=enforce_hours, cache_dir=cache_dir)
        self.hall = hall
        self.clock = hall.clock
        self.store = hall.store
        self.engine = hall.engine
        self.alerts = hall.alerts
        self.maintenance = hall.maintenance
        self.links = hall.links
        self.tickets = hall.tickets
        self.hall_link: Any = None  # a second kiosk's HallLink to the hall server
        if token:
            from kiosk.services.remote_hall import HallLink, RemoteTicketService

            self.hall_link = HallLink(settings.server.hall_url, token, on_change=self._hall_link_changed)
            self.tickets = RemoteTicketService(settings, hall.clock, self.hall_link)
        self.printing = hall.printing
        self.guides = hall.guides
        self.features = hall.features
        self.staff_access = hall.staff_access
        self.dropoff = hall.dropoff
        self.ratings = hall.ratings
        self.device_health = DeviceHealth(settings.devices.camera)
        self.reader: Any = None
        self.printer: Any = None
        self.reader_simulator: Any = None
        self.printer_simulator: Any = None
        self.camera: Any = None  # the CameraService, built at start()
        self.camera_simulator: Any = None  # the SimulatedCamera, when the camera is simulated
        self._camera_lock = threading.Lock()
        self._camera_wanted = False  # a front end's camera screen is open
        self._camera_probing = False  # started only to see one frame (Features.dropoff)
        self.camera_works = False
        self._on_card_event: Callable[[Any], None] | None = None
        self._on_camera_event: Callable[[Any], None] | None = None
        # The kind of the reader's latest event ("CardRead", "ReaderReady" …), never the
        # event itself: a card read holds a name and an ID number, and nothing of a
        # holder may outlive the citizen's session.
        self.last_reader_event_kind = ""
        self.started = False

    def now(self) -> dt.datetime:
        return self.clock.now()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, on_card_event: Callable[[Any], None] | None = None,
              on_camera_event: Callable[[Any], None] | None = None) -> "KioskRuntime":
        """Start simulators (if configured), the printer worker and the reader thread;
        probe the document camera when the drop-off flow is on."""
        self._on_card_event = on_card_event
        self._on_camera_event = on_camera_event
        self.store.start_idle_checkpoints()
        self.maintenance.start()  # the retention purge now and once a day
        if self.hall_link is not None:
            self.hall_link.start()  # asks the hall server now and every few seconds
        self._start_printer()
        self._start_reader()
        if self.serve_hall:
            self._start_hall_server()
        if self.settings.dropoff.enabled:
            try:
                self._build_camera()
                self._probe_camera()
            except Exception:  # no camera means no drop-off, never no kiosk
                log.exception("the document camera could not be set up; the drop-off stays off")
        self.started = True
        return self

    def stop(self) -> None:
        for name, stop in (("hall server", lambda: self.hall_server and self.hall_server.stop()),
                           ("hall link", lambda: self.hall_link and self.hall_link.stop()),
                           ("camera", lambda: self.camera and self.camera.stop()),
                           ("reader", lambda: self.reader and self.reader.stop()),
                           ("printer", lambda: self.printer and self.printer.close()),
                           ("reader simulator", lambda: _stop_handle(self.reader_simulator)),
                           ("printer simulator", lambda: _stop_handle(self.printer_simulator))):
            try:
                stop()
            except Exception:  # shutting down: report, carry on with the rest
                log.exception("stopping the %s failed", name)
        self.reader = self.printer = self.reader_simulator = self.printer_simulator = None
        self.hall_server = None
        self.camera = self.camera_simulator = None
        self.features.dropoff = self.camera_works = False
        self.printing.attach(None)
        self.device_health.reader = self.device_health.printer = None
        try:
            self.hall.close()
        except Exception:
            log.exception("closing the database failed")
        self.started = False

    def _start_hall_server(self) -> None:
        """The hall server on [server] host/port; QR links on only once it answers.

        A port another program holds, or a server that fails to start, leaves the kiosk
        running without QR codes (nothing printed leads nowhere): an error in the log
        and a staff alert say why.
        """
        from kiosk import texts_zh
        from kiosk.root.hall import mark_links_served
        from kiosk.root.in_process_server import InProcessHallServer, ServerStartFailed

        server_settings = self.settings.server
        server = InProcessHallServer(self.hall, server_settings.host, server_settings.port)
        try:
            server.start()
        except ServerStartFailed as failed:
            log.error("no hall server in this kiosk, tickets print without a QR code: %s", failed.reason)
            self.alerts.raise_alert("server", "error", "server_failed",
                                    texts_zh.HALL_SERVER_FAILED.format(port=server_settings.port),
                                    f"hall server not started: {failed.reason}", update=True)
            return
        except Exception:  # whatever it is, the touch screen goes on
            log.exception("no hall server in this kiosk, tickets print without a QR code")
            self.alerts.raise_alert("server", "error", "server_failed",
                                    texts_zh.HALL_SERVER_FAILED.format(port=server_settings.port),
                                    "hall server not started: unexpected error (see the log)", update=True)
            return
        self.hall_server = server
        self.alerts.resolve("server")
        _warn_if_public_url_misses(self.settings.hall.public_url, server.port)
        mark_links_served(self.hall)

    def _hall_link_changed(self, available: bool, reason_en: str) -> None:
        """A second kiosk's hall server answers again, or stopped answering: the staff alert."""
        from kiosk import texts_zh

        if available:
            self.alerts.resolve("hall_link")
        else:
            self.alerts.raise_alert("hall_link", "error", "unreachable",
                                    texts_zh.HALL_LINK_DOWN.format(url=self.settings.server.hall_url), reason_en,
                                    update=True)

    def _start_printer(self) -> None:
        from devices.printer.service import TicketPrinterService

        printer_settings = self.settings.devices.printer
        port = None
        if printer_settings.driver == "simulator":
            from devices.printer.simulator import start_simulated_printer

            self.printer_simulator, port = start_simulated_printer(printer_settings)
        self.printer = TicketPrinterService(printer_settings, on_alert=self.printing.printer_alert, clock=self.clock,
                                            port=port)
        self.printing.attach(self.printer)
        self.device_health.printer = self.printer

    def _start_reader(self) -> None:
        from devices.idcard.service import IdCardReaderService, with_port

        reader_settings = self.settings.devices.idcard
        if reader_settings.driver == "simulator":
            from devices.idcard.simulator import start_simulated_reader

            self.reader_simulator, port_path = start_simulated_reader(reader_settings)
            reader_settings = with_port(reader_settings, port_path)
        self.reader = IdCardReaderService(reader_settings, self._reader_event, clock=self.clock)
        self.device_health.reader = self.reader
        self.reader.start()

    def simulator_action(self, key_name: str) -> str | None:
        """Act on a simulated device for a function key; None if the key or device is not simulated."""
        return act_on_simulator(key_name, self.reader_simulator, self.printer_simulator, self.camera_simulator)

    # -- the document camera ------------------------------------------------------------
    def _build_camera(self) -> None:
        from devices.camera.factory import open_camera
        from devices.camera.service import CameraService
        from devices.camera.simulator import SimulatedCamera

        camera_settings = self.settings.devices.camera
        source = open_camera(camera_settings)
        if isinstance(source, SimulatedCamera):
            self.camera_simulator = source
            if not camera_settings.simulator_source.strip():
                # The demo script would lay a page down every few seconds, and the
                # auto-capture would take each one: start with an empty platen, and let
                # F9/F10 (or a test) put pages on it and take them away.
                source.take_page_away()
        self.camera = CameraService(source, self._camera_event, camera_settings)

    def _probe_camera(self) -> None:
        """Run the camera until its first frame, then stop it again (unless a screen wants it).

        Why not keep it running: detection on every preview frame costs about 80 ms of
        CPU per frame on the hall's 2-core mini-PC (measured with the simulator at
        1280x960), most of a core for as long as the kiosk is on, slowing every other
        screen. So the camera runs while the drop-off's camera screen is open, plus this
        probe at start-up: the first frame turns Features.dropoff on (the Home tile
        appears). A camera that cannot be opened keeps the service retrying every few
        seconds (cheap: no frames, no detection) until its first frame, then it stops.
        """
        with self._camera_lock:
            if self.camera is None:
                return
            self._camera_probing = True
            self.camera.start()

    def start_camera(self) -> None:
        """The camera screen is open: run the capture service (idempotent)."""
        with self._camera_lock:
            self._camera_wanted = True
            self._camera_probing = False
            if self.camera is not None:
                self.camera.start()

    def stop_camera(self) -> None:
        """The camera screen is closed: stop the capture service (idempotent)."""
        with self._camera_lock:
            self._camera_wanted = False
            camera = self.camera
        if camera is not None:
            camera.stop()

    @property
    def camera_running(self) -> bool:
        return self.camera is not None and self.camera.running

    def _camera_event(self, event: Any) -> None:
        """On the camera's thread: camera health -> Features.dropoff and alerts; then the front end."""
        from devices.camera.events import CameraProblem, CameraReconnected, PreviewFrame

        if isinstance(event, (PreviewFrame, CameraReconnected)) and not self.camera_works:
            self.camera_works = True
            self.features.dropoff = self.settings.dropoff.enabled
            self.alerts.resolve("camera")
            log.info("the document camera works: drop-off %s", "on" if self.features.dropoff else "off")
        elif isinstance(event, CameraProblem):
            self.camera_works = False
            self.features.dropoff = False
            self.alerts.raise_alert("camera", "error", "camera_lost", event.message_zh, event.message_en)
            log.warning("the document camera is lost: drop-off off")
        if isinstance(event, PreviewFrame) and self._camera_probing:
            with self._camera_lock:
                if self._camera_probing and not self._camera_wanted:
                    self._camera_probing = False
                    # stop() joins the camera thread: never from that thread itself.
                    threading.Thread(target=self._end_probe, name="camera-probe-end", daemon=True).start()
        if self._on_camera_event is not None:
            self._on_camera_event(event)

    def _end_probe(self) -> None:
        # Under the lock, so a screen opening meanwhile finds the camera stopped and
        # starts it again (the camera thread takes this lock only while probing).
        with self._camera_lock:
            if not self._camera_wanted and self.camera is not None:
                self.camera.stop()

    def dropoff_availability(self):
        """Can the drop-off be used now, and if not why (disk, camera): for the Home tile."""
        return self.dropoff.availability(camera_works=self.camera_works)

    # -- devices -> alerts ---------------------------------------------------------------
    def _reader_event(self, event: Any) -> None:
        from devices.idcard.service import ProblemAction, ReaderProblem, ReaderReady

        self.last_reader_event_kind = type(event).__name__
        if isinstance(event, ReaderProblem) and event.action in (
                ProblemAction.DISCONNECTED, ProblemAction.READER_FAULT, ProblemAction.OUT_OF_SERVICE):
            self.alerts.raise_alert("idcard", "error", event.action.value, event.message_zh, event.message_en)
        elif isinstance(event, ReaderReady):
            self.alerts.resolve("idcard")
        if self._on_card_event is not None:
            self._on_card_event(event)


def _warn_if_public_url_misses(public_url: str, port: int) -> None:
    """[hall] public_url is what the QR codes open: a port other than the server's is
    most likely a settings mistake (a proxy in front is the rare exception), so say so."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(public_url)
        url_port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        url_port = None
    if public_url and url_port != port:
        log.warning("[hall] public_url %s is not this server's port %d: check that QR codes reach it",
                    public_url, port)


def _second_kiosk(settings: Settings) -> tuple[Settings, str]:
    """A second kiosk's settings and its device token (raises ConfigError without one).

    The drop-off stays on the hall box: its scans are sealed under the hall box's key and
    reviewed from its database, and a second kiosk has neither, so the Home tile, the
    progress lookup and the drop-off notices are off here. Guides are read from this box's
    own catalogue folder (the same packaged or hall files), which needs no server.
    """
    from kiosk.services.remote_hall import find_device_token

    token = find_device_token(settings.data_dir, settings.server.device_token_file, settings.source or "")
    if settings.dropoff.enabled:
        log.info("a second kiosk takes no drop-offs: they are handed in at the hall box")
    return _replace_keep_source(settings, dropoff=dataclasses.replace(settings.dropoff, enabled=False)), token


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

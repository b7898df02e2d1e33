"""The whole kiosk, devices included: `KioskRuntime(settings)` builds it, `start()` brings it up.

`start()` brings up the devices (and their simulators when the driver is
"simulator": the reader's simulator on a pty pair, the printer's on a TCP port),
and `stop()` shuts all of it down. A front end is handed a runtime and uses its
services (`runtime.tickets`, `runtime.printing`, `runtime.guides`,
`runtime.device_health`, `runtime.staff_access`); it never constructs a device itself, and tests build a
runtime the same way the real kiosk does.

Device callbacks arrive on device threads; the front end moves them to its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
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
                 cache_dir: Path | None = None) -> None:
        self.settings = settings
        hall = open_hall(settings, clock, enforce_hours=enforce_hours, cache_dir=cache_dir)
        self.hall = hall
        self.clock = hall.clock
        self.store = hall.store
        self.engine = hall.engine
        self.alerts = hall.alerts
        self.maintenance = hall.maintenance
        self.links = hall.links
        self.tickets = hall.tickets
        self.printing = hall.printing
        self.guides = hall.guides
        self.features = hall.features
        self.staff_access = hall.staff_access
        self.device_health = DeviceHealth(settings.devices.camera)
        self.reader: Any = None
        self.printer: Any = None
        self.reader_simulator: Any = None
        self.printer_simulator: Any = None
        self._on_card_event: Callable[[Any], None] | None = None
        # The kind of the reader's latest event ("CardRead", "ReaderReady" …), never the
        # event itself: a card read holds a name and an ID number, and nothing of a
        # holder may outlive the citizen's session.
        self.last_reader_event_kind = ""
        self.started = False

    def now(self) -> dt.datetime:
        return self.clock.now()

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
        self.printing.attach(None)
        self.device_health.reader = self.device_health.printer = None
        try:
            self.hall.close()
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
        return act_on_simulator(key_name, self.reader_simulator, self.printer_simulator)

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

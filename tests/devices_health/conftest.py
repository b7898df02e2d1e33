"""Fixtures for the staff panel's device checks: the real services at the far end of
real links to the real simulators (the printer's on a TCP port, the reader's on a pty)."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def printer_simulator():
    from devices.printer.simulator import PrinterSimulator

    sim = PrinterSimulator(port=0, width_dots=576)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def printer_service(printer_simulator):
    """`printer_service(**settings)` -> a TicketPrinterService on the running simulator."""
    from devices.printer.service import TicketPrinterService
    from devices.printer.settings import PrinterSettings

    services = []

    def make(**changes):
        settings = dict(driver="network", host="127.0.0.1", port=printer_simulator.port, paper_width_mm=80,
                        timeout_seconds=3.0, status_timeout_seconds=1.0)
        settings.update(changes)
        service = TicketPrinterService(PrinterSettings(**settings))
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


@pytest.fixture
def reader_link():
    """The reader simulator on a pty pair, started; stopped after the test (stopping twice is fine)."""
    from devices.idcard.simulator import CardReaderSimulator, SimulatedReaderLink, load_holders

    link = SimulatedReaderLink(CardReaderSimulator(load_holders()))
    link.start()
    yield link
    if link.plugged_in:
        link.stop()


@pytest.fixture
def reader_service(reader_link):
    """The real reader service on the simulator's port, started and ready."""
    from devices.idcard.service import IdCardReaderService, ReaderStatus
    from devices.idcard.settings import IdCardSettings

    service = IdCardReaderService(IdCardSettings(driver="serial", port=reader_link.port_path), lambda _event: None)
    service.start()
    deadline = time.monotonic() + 10
    while service.status is not ReaderStatus.READY:
        assert time.monotonic() < deadline, "the reader never became ready"
        time.sleep(0.02)
    yield service
    service.stop()


@pytest.fixture
def camera_settings():
    """The simulated camera at a small size (fast to render)."""
    from devices.camera.settings import CameraSettings

    return CameraSettings(driver="simulator", preview_width=320, preview_height=240, still_width=640,
                          still_height=480)

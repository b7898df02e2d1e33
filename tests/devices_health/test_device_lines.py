"""The staff panel's device lines come from real answers of the devices, in bounded time.

GIVEN the real device services at the far end of real links to the simulators,
WHEN staff open the panel (DeviceHealth.states(), run off the UI thread),
THEN each line says 正常 only after the device itself answered, a device that
does not answer reads as not working within the probe time, and one that cannot
be asked reads as 未检测.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from waiting import wait_until

from kiosk.services.device_health import DeviceHealth

pytestmark = pytest.mark.timeout(60)


def _by_name(states) -> dict:
    return {state.name_key: state for state in states}


def test_a_camera_device_path_that_does_not_exist_reads_as_not_working(camera_settings):
    # GIVEN the OpenCV driver pointed at a device that is not there
    settings = dataclasses.replace(camera_settings, driver="opencv", device_path="/dev/video-that-does-not-exist")
    # WHEN the panel checks
    camera = _by_name(DeviceHealth(settings).states())["camera"]
    # THEN the camera is not said to work
    assert not camera.ok and camera.checked
    assert "正常" not in camera.text_zh and "打不开" in camera.text_zh
    assert "video-that-does-not-exist" in camera.text_en


def test_with_the_simulators_all_three_read_as_working_from_real_answers(
        printer_simulator, printer_service, reader_link, reader_service, camera_settings):
    from devices.camera.factory import open_camera

    cameras = []

    def recording_factory(settings):
        cameras.append(open_camera(settings))
        return cameras[-1]

    health = DeviceHealth(camera_settings, open_camera=recording_factory)
    health.reader, health.printer = reader_service, printer_service()
    queries, answers = printer_simulator.status_queries, reader_link.answers_sent

    states = _by_name(health.states())

    assert [states[n].ok for n in ("idcard", "printer", "camera")] == [True, True, True]
    assert (states["idcard"].text_zh, states["printer"].text_zh, states["camera"].text_zh) == (
        "读卡器正常", "打印机正常", "高拍仪正常")
    # Each from an answer given just now: DLE EOT to the printer, 11 FF to the SAM, a frame read.
    assert printer_simulator.status_queries >= queries + 4
    # The simulator counts an answer once it has finished writing it, which can be just
    # after the reader has read it: wait for the count rather than race it.
    wait_until(lambda: reader_link.answers_sent > answers, 2, 0.01, "the simulator to count its SAM answer")
    assert "SAM module status 90" in states["idcard"].text_en
    assert cameras and cameras[0].frames_served == 1 and "320x" in states["camera"].text_en


def test_a_silent_printer_reads_as_not_answering_within_the_timeout(printer_simulator, printer_service,
                                                                    camera_settings):
    health = DeviceHealth(camera_settings, probe_seconds=3.0)
    health.printer = printer_service()
    printer_simulator.set_state("silent")
    started = time.monotonic()
    printer = _by_name(health.states())["printer"]
    assert time.monotonic() - started < 3.5
    assert not printer.ok and printer.checked
    assert "回答" in printer.text_zh and "正常" not in printer.text_zh


def test_a_printer_slower_than_the_probe_time_does_not_hold_the_panel(printer_simulator, printer_service,
                                                                      camera_settings):
    # GIVEN a silent printer whose service would wait 5 s per status reply
    health = DeviceHealth(camera_settings, probe_seconds=1.0)
    health.printer = printer_service(status_timeout_seconds=5.0)
    printer_simulator.set_state("silent")
    started = time.monotonic()
    printer = _by_name(health.states())["printer"]
    # THEN the panel hears "not answering" after the probe time, not after the printer's 5 s
    assert time.monotonic() - started < 1.8
    assert not printer.ok and printer.text_zh == "打印机没有回答，请检查打印机的电源和线"


def test_a_reader_whose_simulator_stopped_reads_as_a_fault(reader_link, reader_service, camera_settings):
    health = DeviceHealth(camera_settings)
    health.reader = reader_service
    assert _by_name(health.states())["idcard"].ok
    # WHEN the reader goes away (the service last saw it ready)
    reader_link.stop()
    started = time.monotonic()
    reader = _by_name(health.states())["idcard"]
    # THEN the line comes from asking it now, not from what the service saw last
    assert time.monotonic() - started < 3.5
    assert not reader.ok and reader.checked
    assert reader.text_zh in ("读卡器没有连接，请检查读卡器的线", "读卡器没有回答，请检查读卡器的电源和线")


def test_devices_that_cannot_be_asked_read_as_not_checked(tmp_path, camera_settings):
    from devices.printer.service import TicketPrinterService
    from devices.printer.settings import PrinterSettings

    health = DeviceHealth(camera_settings)
    states = _by_name(health.states())
    assert [(states[n].ok, states[n].checked) for n in ("idcard", "printer")] == [(False, False), (False, False)]
    # A printer on a plain file link (/dev/usb/lp0) cannot answer DLE EOT.
    health.printer = TicketPrinterService(PrinterSettings(driver="file", file_path=str(tmp_path / "lp0")))
    printer = _by_name(health.states())["printer"]
    assert (printer.ok, printer.checked, printer.text_zh) == (False, False, "这种连接方式查不了打印机状态")


class _HangingCamera:
    """A camera whose first frame never comes until the test lets it (a wedged driver)."""

    name = "hanging"

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def open(self) -> None:
        pass

    def read_preview(self):
        self.release.wait(30)
        return None

    def close(self) -> None:
        pass


def test_a_hung_camera_is_reported_in_time_and_not_asked_again_on_top(camera_settings):
    release = threading.Event()
    opened = []

    def factory(_settings):
        opened.append(_HangingCamera(release))
        return opened[-1]

    health = DeviceHealth(camera_settings, probe_seconds=0.5, open_camera=factory)
    started = time.monotonic()
    first = _by_name(health.states())["camera"]
    assert time.monotonic() - started < 1.2
    assert (first.ok, first.text_zh) == (False, "高拍仪没有回答，请检查高拍仪的线")
    second = _by_name(health.states())["camera"]
    assert not second.ok and "上次检查还在等" in second.text_zh and len(opened) == 1
    release.set()
    time.sleep(0.2)
    third = _by_name(health.states())["camera"]
    assert len(opened) == 2 and third.text_zh == "高拍仪没有画面，请检查高拍仪的线"


def test_a_sam_module_failing_its_self_test_reads_as_a_reader_fault(reader_link, reader_service, camera_settings):
    health = DeviceHealth(camera_settings)
    health.reader = reader_service
    # WHEN the module starts failing its self-test (and a reset does not help)
    reader_link.set_fault(0x60, on="status", times=-1)
    reader = _by_name(health.states())["idcard"]
    # THEN the line says so from the module's own answer
    assert (reader.ok, reader.text_zh) == (False, "读卡器故障（安全模块回答 60），请联系维修")
    assert "SAM module status 60" in reader.text_en
    # AND when it recovers, the next check says so
    reader_link.clear_faults()
    assert _by_name(health.states())["idcard"].ok


def test_a_sam_module_that_says_nothing_reads_as_not_answering(reader_link, reader_service, camera_settings):
    health = DeviceHealth(camera_settings)
    health.reader = reader_service
    reader_link.set_fault(on="status", corrupt="silence", times=1)
    reader = _by_name(health.states())["idcard"]
    assert (reader.ok, reader.text_zh) == (False, "读卡器没有回答，请检查读卡器的电源和线")

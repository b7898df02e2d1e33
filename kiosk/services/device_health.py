"""The staff panel's device lines: each one from a real question to the device, answered in time.

- ID-card reader: the SAM module is asked its status (11 FF) now, on the reader's
  own thread (`check_sam`), so no second thread ever talks on its serial port.
- Ticket printer: the printer service asks DLE EOT 1..4 on a fresh link.
- Document camera: the configured camera is opened and one frame is read.

A device that cannot be asked says so (未检测) and is never shown as working. The
three questions run at once, each on a thread of its own, and `states()` waits at
most `probe_seconds` for all of them: a hung device never hangs the panel. A
question still stuck from an earlier check is not asked again on top of it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from devices.base.errors import KioskError
from kiosk import texts_zh

log = logging.getLogger(__name__)

PROBE_SECONDS = 3.0


@dataclass(frozen=True)
class DeviceState:
    """One line of the staff device panel."""

    name_key: str  # "idcard" / "printer" / "camera"
    ok: bool
    text_zh: str
    text_en: str
    # False: nothing was asked (no service, or the link cannot answer): 未检测, not "fault".
    checked: bool = True


def _not_checked(name_key: str, why_zh: str, text_en: str) -> DeviceState:
    return DeviceState(name_key, False, why_zh, text_en, checked=False)


class DeviceHealth:
    """Asks each device now (blocking for up to `probe_seconds`: call off a UI thread).

    `reader` and `printer` are the device services once started (None before);
    `open_camera` makes the configured camera (default: devices.camera.factory).
    """

    def __init__(self, camera_settings: Any, probe_seconds: float = PROBE_SECONDS,
                 open_camera: Callable[[Any], Any] | None = None) -> None:
        self.camera_settings = camera_settings
        self.probe_seconds = probe_seconds
        self.reader: Any = None
        self.printer: Any = None
        self._open_camera = open_camera
        self._lock = threading.Lock()
        # The probe thread of each device still running (hung) from an earlier check.
        self._running: dict[str, threading.Thread] = {}

    def states(self) -> list[DeviceState]:
        probes: list[tuple[str, Callable[[], DeviceState], DeviceState]] = [
            ("idcard", self._reader_state,
             DeviceState("idcard", False, texts_zh.READER_NOT_ANSWERING,
                         f"reader gave no SAM status within {self.probe_seconds:.1f} s")),
            ("printer", self._printer_state,
             DeviceState("printer", False, texts_zh.PRINTER_NOT_ANSWERING,
                         f"printer gave no status within {self.probe_seconds:.1f} s")),
            ("camera", self._camera_state,
             DeviceState("camera", False, texts_zh.CAMERA_NOT_ANSWERING,
                         f"camera gave no frame within {self.probe_seconds:.1f} s")),
        ]
        deadline = time.monotonic() + self.probe_seconds
        started = [(name, self._start(name, probe), late) for name, probe, late in probes]
        states = []
        for name, (thread, result), late in started:
            if thread is None:
                states.append(DeviceState(name, False, texts_zh.DEVICE_STILL_HANGING,
                                          f"{name}: the check before this one is still waiting for the device"))
                continue
            thread.join(max(0.0, deadline - time.monotonic()))
            if result:
                states.append(result[0])
            else:
                log.warning("%s did not answer within %.1f s", name, self.probe_seconds)
                states.append(late)
        return states

    def _start(self, name: str, probe: Callable[[], DeviceState]) -> tuple[threading.Thread | None, list]:
        """Run `probe` on a thread of its own; (None, []) while an earlier one is still stuck."""
        result: list[DeviceState] = []

        def run() -> None:
            try:
                result.append(probe())
            except Exception as exc:  # a bug in a probe must read as "not working", not as a dead panel
                log.exception("checking the %s failed", name)
                result.append(_not_checked(name, texts_zh.DEVICE_CHECK_FAILED,
                                           f"checking failed: {type(exc).__name__}: {exc}"))

        with self._lock:
            previous = self._running.get(name)
            if previous is not None and previous.is_alive():
                return None, result
            thread = threading.Thread(target=run, name=f"device-check-{name}", daemon=True)
            self._running[name] = thread
        thread.start()
        return thread, result

    # -- one probe per device -----------------------------------------------------------
    def _reader_state(self) -> DeviceState:
        reader = self.reader
        if reader is None:
            return _not_checked("idcard", texts_zh.READER_NOT_STARTED, "reader not started")
        check = reader.check_sam(timeout=self.probe_seconds)
        if check.ok:
            return DeviceState("idcard", True, texts_zh.READER_OK, check.detail_en)
        if check.answered:
            text = texts_zh.READER_FAULT.format(sw3=f"{check.sw3:02X}") if check.sw3 is not None \
                else texts_zh.READER_BAD_ANSWER
            return DeviceState("idcard", False, text, check.detail_en)
        status = getattr(check.status, "value", str(check.status))
        text = {"disconnected": texts_zh.READER_NOT_CONNECTED,
                "stopped": texts_zh.READER_STOPPED}.get(status, texts_zh.READER_NOT_ANSWERING)
        return DeviceState("idcard", False, text, f"reader {status}: {check.detail_en}")

    def _printer_state(self) -> DeviceState:
        printer = self.printer
        if printer is None:
            return _not_checked("printer", texts_zh.PRINTER_NOT_STARTED, "printer not started")
        status = printer.status()  # DLE EOT 1..4 on a fresh link, each reply awaited status_timeout_seconds
        state = status.state.value
        if state == "not_readable":  # a plain file or spooler link: the printer cannot be asked
            return _not_checked("printer", texts_zh.PRINTER_NOT_READABLE, status.message_en)
        if status.can_print and state == "ready":
            return DeviceState("printer", True, texts_zh.PRINTER_OK, status.message_en)
        # near end prints (ok) but needs staff; the rest do not print
        return DeviceState("printer", status.can_print, status.staff_message_zh or status.message_zh,
                           status.message_en)

    def _camera_state(self) -> DeviceState:
        open_camera = self._open_camera
        if open_camera is None:
            try:
                from devices.camera.factory import open_camera
            except ImportError:
                return _not_checked("camera", texts_zh.CAMERA_NOT_INSTALLED, "camera module not installed")
        try:
            camera = open_camera(self.camera_settings)
            camera.open()
        except KioskError as exc:
            return DeviceState("camera", False, texts_zh.CAMERA_CANNOT_OPEN, exc.message_en)
        except Exception as exc:
            return DeviceState("camera", False, texts_zh.CAMERA_CANNOT_OPEN, f"camera failed to open: {exc}")
        try:
            frame = camera.read_preview()
        except Exception as exc:
            return DeviceState("camera", False, texts_zh.CAMERA_NO_PICTURE, f"camera read failed: {exc}")
        finally:
            try:
                camera.close()
            except Exception:
                log.exception("closing the camera failed")
        if frame is None:
            return DeviceState("camera", False, texts_zh.CAMERA_NO_PICTURE, "camera opened but gave no frame")
        return DeviceState("camera", True, texts_zh.CAMERA_OK,
                           f"camera {getattr(camera, 'name', '')} gave a {frame.shape[1]}x{frame.shape[0]} frame")

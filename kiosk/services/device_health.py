"""The staff panel's device lines: one per device, from the device services."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from devices.base.errors import KioskError

log = logging.getLogger(__name__)

READER_STATUS_ZH = {
    "stopped": "读卡器已停止",
    "connecting": "正在连接读卡器",
    "ready": "读卡器正常",
    "disconnected": "读卡器没有连接",
    "fault": "读卡器故障",
}


@dataclass(frozen=True)
class DeviceState:
    """One line of the staff device panel."""

    name_key: str  # "idcard" / "printer" / "camera"
    ok: bool
    text_zh: str
    text_en: str


class DeviceHealth:
    """Asks each device now (blocking for up to a few seconds: call off a UI thread).

    `reader` and `printer` are the device services once started (None before).
    """

    def __init__(self, camera_settings: Any) -> None:
        self.camera_settings = camera_settings
        self.reader: Any = None
        self.printer: Any = None

    def states(self) -> list[DeviceState]:
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
            from devices.camera.factory import open_camera
        except ImportError:
            return DeviceState("camera", False, "高拍仪程序未安装", "camera module not installed")
        try:
            camera = open_camera(self.camera_settings)
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

"""What the capture service reports through its one callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np

from devices.camera import messages_zh as zh
from devices.camera.page_detect import Detection
from devices.camera.page_make import FinishedPage


@dataclass(frozen=True)
class PreviewFrame:
    frame: np.ndarray = field(repr=False)
    detection: Detection | None
    hint_zh: str
    capture_progress: float = 0.0


@dataclass(frozen=True)
class PageCaptured:
    page: FinishedPage
    detection: Detection
    automatic: bool = True

    @property
    def accepted(self) -> bool:
        return self.page.ok


@dataclass(frozen=True)
class CameraProblem:
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class CameraReconnected:
    message_zh: str = zh.CAMERA_BACK


CameraEvent = Union[PreviewFrame, PageCaptured, CameraProblem, CameraReconnected]

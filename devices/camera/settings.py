"""`[devices.camera]` settings. Pure data: importing this pulls in no OpenCV code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.settings_schema import require


@dataclass(frozen=True)
class CameraSettings:
    # "simulator" plays images or a video through the same interface as the camera.
    driver: Literal["simulator", "opencv"] = "simulator"
    device_index: int = 0
    device_path: str = ""
    backend: Literal["auto", "v4l2", "dshow", "msmf"] = "auto"
    still_width: int = 4032
    still_height: int = 3024
    preview_width: int = 1280
    preview_height: int = 720
    # Image files or a video the simulator plays; empty = packaged synthetic pages.
    simulator_source: str = ""

    def check(self, file: str, prefix: str) -> None:
        require(self.still_width > 0 and self.still_height > 0, file, f"{prefix}.still_width",
                "size must be positive", "use 4032 × 3024 or the camera's largest size")

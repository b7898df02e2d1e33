"""`[devices.camera]` settings. Pure data: importing this pulls in no OpenCV code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.base.settings_schema import require


@dataclass(frozen=True)
class CameraSettings:
    # "simulator" plays images or a video through the same interface as the camera.
    driver: Literal["simulator", "opencv"] = "simulator"
    device_index: int = 0
    # A stable path such as /dev/v4l/by-id/usb-…-video-index0 (wins over device_index:
    # the index can change when the camera is plugged in again).
    device_path: str = ""
    backend: Literal["auto", "v4l2", "dshow", "msmf"] = "auto"
    still_width: int = 4032
    still_height: int = 3024
    preview_width: int = 1280
    preview_height: int = 720
    # Stream at the still size all the time (when the camera gives ≥5 frames/s there)
    # instead of switching modes for each still.
    stream_full_resolution: bool = False
    # Fixed exposure/white balance where the camera allows (0 = leave automatic).
    exposure: float = 0.0
    white_balance_k: int = 0
    # Image files, a folder, or a video the simulator plays; empty = generated pages.
    simulator_source: str = ""
    # Simulator frames per second (the real camera paces itself).
    simulator_fps: float = 10.0
    # Width in mm of the platen area the camera sees; 0 = unknown (then an ISO page
    # is taken as A4, never A5).
    platen_width_mm: float = 0.0
    # Auto-capture after the page has been still for this many preview frames.
    stable_frames: int = 8
    # Watchdog: a read slower than this, or this many identical frames, is a lost camera.
    read_timeout_seconds: float = 3.0
    frozen_frames: int = 25
    reopen_interval_seconds: float = 2.0
    # Finished pages.
    jpeg_quality: int = 85
    colour_mode: Literal["auto", "colour", "gray", "bw"] = "auto"
    # Edge acutance below this is a blurred page (sharp pages score 0.3-0.45, σ≈2 px blur ~0.2).
    min_sharpness: float = 0.22
    min_page_fraction: float = 0.02
    read_codes: bool = True
    # Turn pages upright by their text lines and QR code (page_orient; ~0.3-1 s of one
    # core per page, on the camera's page thread). Off: pages stay as placed.
    upright_by_text: bool = True

    def check(self, file: str, prefix: str) -> None:
        require(self.still_width > 0 and self.still_height > 0, file, f"{prefix}.still_width",
                "size must be positive", "use 4032 × 3024 or the camera's largest size")
        require(self.preview_width > 0 and self.preview_height > 0, file, f"{prefix}.preview_width",
                "size must be positive", "use 1280 × 720")
        require(self.device_index >= 0, file, f"{prefix}.device_index", "must not be negative", "use 0")
        require(0 < self.simulator_fps <= 60, file, f"{prefix}.simulator_fps", "must be 1-60", "use 10")
        require(self.platen_width_mm >= 0, file, f"{prefix}.platen_width_mm", "must not be negative",
                "measure the visible platen width in mm, or use 0")
        require(2 <= self.stable_frames <= 60, file, f"{prefix}.stable_frames", "must be 2-60", "use 8")
        require(self.read_timeout_seconds > 0, file, f"{prefix}.read_timeout_seconds", "must be positive", "use 3")
        require(self.frozen_frames >= 3, file, f"{prefix}.frozen_frames", "must be 3 or more", "use 25")
        require(self.reopen_interval_seconds > 0, file, f"{prefix}.reopen_interval_seconds", "must be positive",
                "use 2")
        require(50 <= self.jpeg_quality <= 95, file, f"{prefix}.jpeg_quality", "must be 50-95", "use 85")
        require(0 <= self.min_sharpness < 1, file, f"{prefix}.min_sharpness", "must be 0-1", "use 0.22")
        require(0 <= self.min_page_fraction < 0.5, file, f"{prefix}.min_page_fraction", "must be 0-0.5",
                "use 0.02")

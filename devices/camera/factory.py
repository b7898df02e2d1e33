"""The camera the settings ask for: the OpenCV driver, or the simulator playing its
demo script, a folder of images or a video."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from devices.camera.errors import CameraUnavailable
from devices.camera.opencv_driver import OpenCvCamera
from devices.camera.settings import CameraSettings
from devices.camera.simulator import SimulatedCamera, script_from_images
from devices.camera.source import CameraSource


def _load_images(source: str) -> list[np.ndarray]:
    path = Path(source).expanduser()
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")) \
        if path.is_dir() else [path]
    images = []
    for file in files:
        image = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if image is None:
            raise CameraUnavailable(f"simulator cannot read image {file}")
        images.append(image)
    if not images:
        raise CameraUnavailable(f"simulator source {source} holds no .jpg/.png images")
    return images


def open_camera(settings: CameraSettings, *, realtime: bool = True) -> CameraSource:
    """The camera the settings ask for (not yet opened): the composition root's factory."""
    if settings.driver == "opencv":
        return OpenCvCamera(settings)
    preview = (settings.preview_width, settings.preview_height)
    still = (settings.still_width, settings.still_height)
    source = settings.simulator_source.strip()
    if not source:
        return SimulatedCamera(preview_size=preview, still_size=still, fps=settings.simulator_fps, realtime=realtime)
    path = Path(source).expanduser()
    if path.suffix.lower() in (".mp4", ".avi", ".mkv", ".mov", ".webm"):
        return SimulatedCamera(video_path=str(path), preview_size=preview, still_size=still,
                               fps=settings.simulator_fps, realtime=realtime)
    return SimulatedCamera(script_from_images(_load_images(source)), preview_size=preview, still_size=still,
                           fps=settings.simulator_fps, realtime=realtime)

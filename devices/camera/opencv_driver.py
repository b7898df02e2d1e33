"""The real UVC document camera through OpenCV, and the handle that keeps a hung read
from ever having its VideoCapture released under it."""

from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import cv2
import numpy as np

from devices.camera.errors import CameraReadFailed, CameraUnavailable
from devices.camera.settings import CameraSettings

log = logging.getLogger("devices.camera")


def _backend_for(settings: CameraSettings, device: Any) -> int:
    if isinstance(device, str) and not device.startswith("/dev/"):
        return cv2.CAP_ANY  # a video file or a URL
    chosen = settings.backend
    if chosen == "auto":
        chosen = {"linux": "v4l2", "win32": "dshow"}.get(sys.platform, "any")
    if chosen == "msmf":
        # Without this MSMF takes seconds to open and per set() call at high resolution.
        os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")
    return {"v4l2": cv2.CAP_V4L2, "dshow": cv2.CAP_DSHOW, "msmf": cv2.CAP_MSMF}.get(chosen, cv2.CAP_ANY)


def _fourcc_text(value: float) -> str:
    code = int(value)
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00") or "?"


@dataclass
class GrantedMode:
    width: int
    height: int
    fourcc: str
    fps: float


class _CaptureHandle:
    """One cv2.VideoCapture from one open(), released exactly once and never while a
    call is inside it.

    Releasing a VideoCapture while another thread is blocked in its read() is undefined
    behaviour in OpenCV (the backend frees what the read is using). The service abandons
    a hung read on its I/O thread and closes the camera, so a close that finds a read in
    progress only marks the handle; the read's own thread releases it when the read
    finally returns. Each open() makes a new handle, so a reopen never touches (or waits
    for) one that is still stuck.
    """

    def __init__(self, capture: cv2.VideoCapture) -> None:
        self._capture = capture
        self._lock = threading.Lock()
        self._calls = 0
        self._release_asked = False
        self._released = False
        # The latest full-size frame read through this handle (the still's fallback); kept
        # here so an abandoned read returning late cannot hand it to a newer open.
        self.last_full: np.ndarray | None = None

    @contextmanager
    def using(self) -> Iterator[cv2.VideoCapture | None]:
        """The capture for one call, or None once a release was asked for."""
        with self._lock:
            if self._release_asked:
                usable = False
            else:
                usable = True
                self._calls += 1
        if not usable:
            yield None
            return
        try:
            yield self._capture
        finally:
            with self._lock:
                self._calls -= 1
                last_out = self._calls == 0 and self._release_asked and not self._released
                if last_out:
                    self._released = True
            if last_out:
                self._release_now()

    def release(self) -> None:
        """Release now if no call is inside the capture, else when the last one leaves."""
        with self._lock:
            self._release_asked = True
            if self._calls or self._released:
                return
            self._released = True
        self._release_now()

    def _release_now(self) -> None:
        try:
            self._capture.release()
        except Exception:  # noqa: BLE001 - a dead driver may refuse; the handle is gone either way
            log.debug("releasing the capture failed", exc_info=True)


class OpenCvCamera:
    """A UVC document camera through cv2.VideoCapture.

    MJPG is requested before the size (several drivers ignore it otherwise), and the
    size actually granted is checked on a frame that was really read. Preview and
    still either share one full-resolution stream (`stream_full_resolution`) or the
    mode is switched for each still, dropping the badly exposed first frames.

    Every open() makes its own `_CaptureHandle`; close() drops the current one, which
    is released at once or, if a hung read is still inside it, by that read when it
    returns. Calls take the handle current when they start, so a late read or open
    from before a close never touches the handle of a later open.
    """

    STILL_WARMUP_FRAMES = 4

    def __init__(self, settings: CameraSettings) -> None:
        self.settings = settings
        self.device: Any = settings.device_path or settings.device_index
        self.name = f"opencv:{self.device}"
        self._lock = threading.Lock()
        self._handle: _CaptureHandle | None = None
        # Bumped by every open() and close(): an open that finds it changed when its
        # (possibly hung) VideoCapture constructor returns was given up on, and must
        # not install its handle over a newer one.
        self._generation = 0
        self.granted: GrantedMode | None = None

    def _new_capture(self, device: Any, backend: int) -> cv2.VideoCapture:
        """The one place a VideoCapture is made (tests watch captures through it)."""
        return cv2.VideoCapture(device, backend)

    def _configure(self, capture: cv2.VideoCapture, width: int, height: int) -> GrantedMode:
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        ok, frame = capture.read()
        if not ok or frame is None:
            raise CameraUnavailable(f"camera {self.device} opened but gives no frame")
        granted = GrantedMode(frame.shape[1], frame.shape[0], _fourcc_text(capture.get(cv2.CAP_PROP_FOURCC)),
                              float(capture.get(cv2.CAP_PROP_FPS) or 0))
        if (granted.width, granted.height) != (width, height):
            log.warning("camera %s: asked for %dx%d MJPG, got %dx%d %s", self.device, width, height,
                        granted.width, granted.height, granted.fourcc)
        else:
            log.info("camera %s: %dx%d %s %.0f fps", self.device, granted.width, granted.height, granted.fourcc,
                     granted.fps)
        return granted

    def _fix_exposure(self, capture: cv2.VideoCapture) -> None:
        if self.settings.exposure:
            # V4L2: 1 = manual; DirectShow ignores the value but accepts the call.
            capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, 1)
            capture.set(cv2.CAP_PROP_EXPOSURE, self.settings.exposure)
        if self.settings.white_balance_k:
            capture.set(cv2.CAP_PROP_AUTO_WB, 0)
            capture.set(cv2.CAP_PROP_WB_TEMPERATURE, self.settings.white_balance_k)

    def _stream_size(self) -> tuple[int, int]:
        s = self.settings
        return (s.still_width, s.still_height) if s.stream_full_resolution else (s.preview_width, s.preview_height)

    def open(self) -> None:
        with self._lock:
            old, self._handle = self._handle, None
            self._generation += 1
            generation = self._generation
        if old is not None:
            old.release()  # deferred by the handle itself if a hung read is still inside
        backend = _backend_for(self.settings, self.device)
        capture = self._new_capture(self.device, backend)  # may hang on a wedged driver
        handle = _CaptureHandle(capture)
        if not capture.isOpened():
            handle.release()
            raise CameraUnavailable(f"cannot open camera {self.device} (backend {backend})")
        with self._lock:
            current = generation == self._generation
            if current:
                self._handle = handle
        if not current:
            handle.release()
            raise CameraUnavailable(f"camera {self.device} was closed while it was opening")
        try:
            with handle.using() as usable:
                if usable is None:
                    raise CameraUnavailable(f"camera {self.device} was closed while it was opening")
                self._fix_exposure(usable)
                granted = self._configure(usable, *self._stream_size())
        except Exception:
            self._drop(handle)
            raise
        with self._lock:
            current = self._handle is handle
        if not current:
            # Closed while the first frame was awaited: the handle is already released
            # (or will be by using() above); the caller gave up on this open.
            raise CameraUnavailable(f"camera {self.device} was closed while it was opening")
        self.granted = granted

    def _drop(self, handle: _CaptureHandle) -> None:
        """Release `handle`, and forget it if it is still the current one."""
        with self._lock:
            if self._handle is handle:
                self._handle = None
        handle.release()

    def _current(self) -> _CaptureHandle | None:
        with self._lock:
            return self._handle

    @staticmethod
    def _read_on(capture: cv2.VideoCapture) -> np.ndarray | None:
        ok, frame = capture.read()
        return frame if ok and frame is not None else None

    def read_preview(self) -> np.ndarray | None:
        handle = self._current()
        if handle is None:
            return None
        with handle.using() as capture:
            frame = None if capture is None else self._read_on(capture)
        if frame is None:
            return None
        if self.settings.stream_full_resolution:
            handle.last_full = frame
            w = self.settings.preview_width
            if frame.shape[1] > w:
                frame = cv2.resize(frame, (w, int(frame.shape[0] * w / frame.shape[1])), interpolation=cv2.INTER_AREA)
        return frame

    def capture_still(self) -> np.ndarray:
        handle = self._current()
        frame = None
        if handle is not None:
            with handle.using() as capture:
                if capture is not None:
                    frame = self._still_on(handle, capture)
        if frame is None:
            raise CameraReadFailed(f"camera {self.device} gave no still")
        return frame

    def _still_on(self, handle: _CaptureHandle, capture: cv2.VideoCapture) -> np.ndarray | None:
        if self.settings.stream_full_resolution:
            frame = self._read_on(capture)  # a fresh frame, not the one behind the preview
            return frame if frame is not None else handle.last_full
        s = self.settings
        self._configure(capture, s.still_width, s.still_height)
        frame = None
        for _ in range(self.STILL_WARMUP_FRAMES):
            frame = self._read_on(capture)
        self._configure(capture, s.preview_width, s.preview_height)
        return frame

    def close(self) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
            self._generation += 1
        if handle is not None:
            handle.release()

"""Camera sources (real UVC camera through OpenCV, or the simulator) and the capture
service that runs them in their own thread with a watchdog.

The service reads preview frames, finds the page on each, auto-captures a still when
the page has lain still, makes the finished page, and reports everything through one
callback, called on the service thread: the Kivy app wraps it in
`Clock.schedule_once`. A read that blocks, fails or keeps returning the very same
frame (what UVC cameras do after an unplug) is reported as a problem; the service then
closes the camera and tries to open it again every couple of seconds, and says so when
it is back — the kiosk never needs a restart.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence, Union, runtime_checkable

import cv2
import numpy as np

from devices.camera import messages_zh as zh
from devices.camera import synthetic
from devices.camera.autocapture import StillTrigger
from devices.camera.errors import CameraReadFailed, CameraUnavailable
from devices.camera.page_detect import Detection, PlatenReference, detect_page, refine_detection
from devices.camera.page_make import FinishedPage, make_page
from devices.camera.settings import CameraSettings

log = logging.getLogger("devices.camera")


@runtime_checkable
class CameraSource(Protocol):
    name: str

    def open(self) -> None: ...

    def read_preview(self) -> np.ndarray | None: ...

    def capture_still(self) -> np.ndarray: ...

    def close(self) -> None: ...


# =========================================================================== OpenCV camera

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


# =========================================================================== simulator

@dataclass(frozen=True)
class Show:
    """Hold a scene (or an image) for `frames` preview frames."""

    content: Union[synthetic.Scene, np.ndarray, None]
    frames: int = 20


@dataclass(frozen=True)
class Slide:
    """Move the page from one place to another over `frames` preview frames."""

    start: synthetic.Scene
    end: synthetic.Scene
    frames: int = 5


@dataclass(frozen=True)
class Unplug:
    """The camera goes away for `seconds`.

    mode "vanish": reads fail and opening fails; "freeze": reads return the last
    frame bit for bit (a lying driver); "block": reads hang until it is back.
    Frames read through a handle opened before the unplug never work again.
    """

    seconds: float = 1.0
    mode: str = "vanish"


Step = Union[Show, Slide, Unplug]


def demo_script(aspect: float = 4 / 3, seed: int = 0) -> list[Step]:
    """Pages placed on a dark mat one after the other (the default simulator show)."""
    rng = np.random.default_rng(seed)
    base = synthetic.Scene(background="dark_mat", background_seed=1, noise=0.0)
    steps: list[Step] = [Show(base, 15)]
    for kind in ("a4_text", "form", "id_copy", "id_card", "certificate"):
        corners = synthetic.place_page(rng, kind, aspect, 0.8 if kind != "id_card" else 0.35,
                                       angle_deg=float(rng.uniform(-6, 6)), perspective=0.01)
        placed = base.with_page(kind, corners, seed=int(rng.integers(0, 4)))
        start = placed.with_page(kind, [(x + 0.25, y + 0.1) for x, y in corners])
        steps += [Slide(start, placed, 4), Show(placed, 30), Show(base, 12)]
    return steps


class _ImageContent:
    """A still image standing in for a scene: preview is a reduced copy."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self._preview: dict[tuple[int, int], np.ndarray] = {}

    def render(self, width: int, height: int) -> np.ndarray:
        if (width, height) == (self.image.shape[1], self.image.shape[0]):
            return self.image
        if (width, height) not in self._preview:
            self._preview[(width, height)] = cv2.resize(self.image, (width, height), interpolation=cv2.INTER_AREA)
        return self._preview[(width, height)]


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


def script_from_images(images: Sequence[np.ndarray], hold_frames: int = 25) -> list[Step]:
    """Each image shown in turn for `hold_frames`, with the empty (generated) dark mat
    between them, as if each page were laid down and taken away again."""
    steps: list[Step] = []
    for image in images:
        steps += [Show(image, hold_frames), Show(None, 6)]
    return steps


class SimulatedCamera:
    """Plays a script of scenes, images or a video through the CameraSource interface.

    Preview frames get fresh sensor noise every read (a live camera never repeats a
    frame bit for bit); the still is the same scene rendered at the still size.
    `realtime=False` serves frames as fast as they are asked for (tests).
    """

    def __init__(self, script: Sequence[Step] | None = None, *, video_path: str = "",
                 preview_size: tuple[int, int] = (1280, 720), still_size: tuple[int, int] = (4032, 3024),
                 fps: float = 10.0, loop: bool = True, realtime: bool = True, noise: float = 2.5,
                 seed: int = 0) -> None:
        # The preview shows the still's field of view (same aspect), as a 高拍仪 streaming
        # one sensor mode does; the scene's corners are fractions of that view.
        self.still_size = still_size
        self.preview_size = (preview_size[0], max(1, round(preview_size[0] * still_size[1] / still_size[0])))
        self.fps = fps
        self.loop = loop
        self.realtime = realtime
        self.noise = noise
        self.video_path = video_path
        self.name = f"simulator:{video_path or 'script'}"
        self.script: list[Step] = list(script) if script is not None else ([] if video_path else demo_script(
            still_size[0] / still_size[1]))
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._step = 0
        self._frame_in_step = 0
        self._opened = False
        self._handle = 0  # bumps on every open; an unplug kills the current handle
        self._dead_handle = -1
        self._unplug_until = 0.0
        self._last_frame: np.ndarray | None = None
        self._next_time = 0.0
        self._video: cv2.VideoCapture | None = None
        self._video_frame: np.ndarray | None = None
        self._cache: dict[Any, np.ndarray] = {}
        self._last_content: Any = None
        self.frames_served = 0
        self.finished = False

    # -- script ----------------------------------------------------------------
    def _current(self) -> Step | None:
        if not self.script:
            return None
        if self._step >= len(self.script):
            if not self.loop:
                self.finished = True
                return self.script[-1] if not isinstance(self.script[-1], Unplug) else None
            self._step = 0
        return self.script[self._step]

    def _advance(self) -> None:
        step = self._current()
        if step is None or isinstance(step, Unplug):
            return
        self._frame_in_step += 1
        if self._frame_in_step >= step.frames:
            self._step += 1
            self._frame_in_step = 0

    def _scene_now(self) -> Any:
        step = self._current()
        if isinstance(step, Show):
            return step.content
        if isinstance(step, Slide):
            t = (self._frame_in_step + 1) / step.frames
            corners = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                       for a, b in zip(step.start.corners, step.end.corners)]
            return step.end.with_page(step.end.page_kind, corners)
        return None

    def _render(self, content: Any, width: int, height: int, cache: bool) -> np.ndarray:
        if isinstance(content, np.ndarray):
            key = ("image", id(content), width, height)
            if key not in self._cache:
                self._cache[key] = _ImageContent(content).render(width, height)
            return self._cache[key]
        if content is None:
            content = synthetic.Scene(background="dark_mat", background_seed=1, noise=0.0)
        scene = content if content.noise == 0 else replace(content, noise=0.0)
        key = ("scene", scene, width, height)
        if key in self._cache:
            return self._cache[key]
        frame = synthetic.render_scene(scene, width, height)
        if cache:
            if len(self._cache) > 24:
                self._cache.clear()
            self._cache[key] = frame
        return frame

    def _with_noise(self, frame: np.ndarray) -> np.ndarray:
        if self.noise <= 0:
            return frame.copy()
        noise = self._rng.normal(0, self.noise, frame.shape[:2] + (1,)).astype(np.int16)
        return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)

    def _unplugged(self) -> Unplug | None:
        step = self._current()
        if isinstance(step, Unplug):
            now = time.monotonic()
            if self._unplug_until == 0.0:
                self._unplug_until = now + step.seconds
                self._dead_handle = self._handle
            if now < self._unplug_until:
                return step
            # Back: the script moves on, but the old handle stays dead until reopened.
            self._step += 1
            self._frame_in_step = 0
            self._unplug_until = 0.0
        return None

    # -- CameraSource ------------------------------------------------------------
    def open(self) -> None:
        with self._lock:
            unplug = self._unplugged()
            if unplug is not None and unplug.mode != "freeze":
                raise CameraUnavailable("simulated camera is unplugged")
            if unplug is not None:
                raise CameraUnavailable("simulated camera is re-enumerating")
            if self.video_path:
                if self._video is not None:
                    self._video.release()
                self._video = cv2.VideoCapture(self.video_path)
                if not self._video.isOpened():
                    raise CameraUnavailable(f"simulator cannot open video {self.video_path}")
            self._handle += 1
            self._opened = True
            self._next_time = time.monotonic()

    def _pace(self) -> None:
        if not self.realtime:
            return
        now = time.monotonic()
        if self._next_time > now:
            time.sleep(self._next_time - now)
        self._next_time = max(now, self._next_time) + 1.0 / self.fps

    def read_preview(self) -> np.ndarray | None:
        self._pace()
        with self._lock:
            if not self._opened:
                return None
            unplug = self._unplugged()
            if unplug is None and self._dead_handle == self._handle:
                return None  # handle from before the unplug: dead for good
            if unplug is not None:
                if unplug.mode == "freeze":
                    return self._last_frame
                if unplug.mode == "vanish":
                    return None
                blocking = unplug
            else:
                blocking = None
        if blocking is not None:
            time.sleep(max(0.0, self._unplug_until - time.monotonic()) + 0.05)
            return None
        with self._lock:
            if self.video_path:
                frame = self._read_video()
            else:
                content = self._scene_now()
                frame = self._with_noise(self._render(content, *self.preview_size, cache=True))
                self._last_content = content
                self._advance()
            self._last_frame = frame
            self.frames_served += 1
            return frame

    def _read_video(self) -> np.ndarray | None:
        assert self._video is not None
        ok, frame = self._video.read()
        if not ok and self.loop:
            self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._video.read()
        if not ok:
            self.finished = True
            return None
        self._video_frame = frame
        w, h = self.preview_size
        if frame.shape[1] > w:
            frame = cv2.resize(frame, (w, int(frame.shape[0] * w / frame.shape[1])), interpolation=cv2.INTER_AREA)
        return frame

    def capture_still(self) -> np.ndarray:
        with self._lock:
            if not self._opened or self._dead_handle == self._handle or self._unplugged() is not None:
                raise CameraReadFailed("simulated camera gave no still")
            if self.video_path:
                if self._video_frame is None:
                    raise CameraReadFailed("no video frame yet")
                return self._video_frame.copy()
            content = self._last_content  # the still shows what the last preview showed
        frame = self._render(content, *self.still_size, cache=False)
        return self._with_noise(frame)

    def close(self) -> None:
        with self._lock:
            self._opened = False
            if self._video is not None:
                self._video.release()
                self._video = None


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


# =========================================================================== service

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


class _CallTimeout(Exception):
    pass


class _Stopping(Exception):
    """The service was asked to stop while it waited for a driver call."""


class _Worker:
    """Runs source calls on a thread of its own so a hung driver call can be abandoned."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="camera-io", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            func, reply = job
            try:
                reply.put((True, func()))
            except BaseException as exc:  # handed to the caller
                reply.put((False, exc))

    # How often a wait for the driver looks whether the service is stopping.
    STOP_POLL_SECONDS = 0.05

    def call(self, func: Callable[[], Any], timeout: float, stop: threading.Event | None = None) -> Any:
        """func() on the I/O thread; _CallTimeout after `timeout`, _Stopping as soon as
        `stop` is set (the hung call is abandoned, never waited for)."""
        reply: queue.Queue = queue.Queue(maxsize=1)
        self._jobs.put((func, reply))
        deadline = time.monotonic() + timeout
        while True:
            if stop is not None and stop.is_set():
                raise _Stopping()
            left = deadline - time.monotonic()
            if left <= 0:
                raise _CallTimeout()
            try:
                ok, value = reply.get(timeout=min(left, self.STOP_POLL_SECONDS) if stop is not None else left)
                break
            except queue.Empty:
                continue
        if ok:
            return value
        raise value

    def stop(self) -> None:
        self._jobs.put(None)


class CameraService:
    """The capture thread: preview → detection → auto-capture → finished page."""

    # Driver calls abandoned while hung (each holds a thread and the driver's handle):
    # with this many still stuck, no new open is tried until one of them returns.
    MAX_STUCK_CALLS = 2

    def __init__(self, source: CameraSource, on_event: Callable[[CameraEvent], None],
                 settings: CameraSettings | None = None, reference: PlatenReference | None = None,
                 auto_capture: bool = True, learn_reference: bool = True,
                 reference_after_seconds: float = 2.0, reference_refresh_seconds: float = 30.0) -> None:
        self.source = source
        self.on_event = on_event
        self.settings = settings or CameraSettings()
        self.reference = reference
        self.auto_capture = auto_capture
        self.learn_reference = learn_reference
        self.reference_after_seconds = reference_after_seconds
        self.reference_refresh_seconds = reference_refresh_seconds
        self.trigger = StillTrigger(stable_frames=self.settings.stable_frames)
        self._stop = threading.Event()
        self._manual = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: _Worker | None = None
        self._abandoned: list[_Worker] = []
        self._closer: threading.Thread | None = None
        self._connected = False
        self._had_problem = False
        self._previous: np.ndarray | None = None
        self._identical = 0
        self._failures = 0
        self._empty_since: float | None = None
        self._last_detection: Detection | None = None
        self.stats = {"frames": 0, "captures": 0, "problems": 0, "reconnects": 0}

    # -- public ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-service", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._release()

    def capture_now(self) -> None:
        """Manual shutter: take the still at the next preview frame."""
        self._manual.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- internals ---------------------------------------------------------------
    def _emit(self, event: CameraEvent) -> None:
        try:
            self.on_event(event)
        except Exception:  # a UI bug must not kill the capture thread
            log.exception("camera event handler failed for %s", type(event).__name__)

    def _release(self) -> None:
        worker, self._worker = self._worker, None
        source = self.source
        # close() may hang on a dead driver: never on this thread. The next open waits
        # for it (briefly), so a late close cannot shut the freshly reopened camera.
        self._closer = threading.Thread(target=self._close_quietly, args=(source,), name="camera-close",
                                        daemon=True)
        self._closer.start()
        if worker is not None:
            worker.stop()
            self._abandoned.append(worker)
        self._connected = False

    @staticmethod
    def _close_quietly(source: CameraSource) -> None:
        try:
            source.close()
        except Exception:
            log.debug("camera close failed", exc_info=True)

    def _problem(self, error: Exception, frozen: bool = False) -> None:
        self.stats["problems"] += 1
        message_zh = getattr(error, "message_zh", None) or (zh.CAMERA_FROZEN if frozen else zh.CAMERA_LOST)
        message_en = getattr(error, "message_en", None) or str(error) or type(error).__name__
        log.error("camera %s: %s; will reopen every %.0f s", self.source.name, message_en,
                  self.settings.reopen_interval_seconds)
        if not self._had_problem:
            self._emit(CameraProblem(message_zh, message_en))
        self._had_problem = True
        self._release()
        self.trigger.reset()
        self._previous = None
        self._identical = 0
        self._failures = 0

    def _open(self) -> bool:
        closer = self._closer
        if closer is not None:
            deadline = time.monotonic() + max(10.0, 3 * self.settings.read_timeout_seconds)
            while closer.is_alive() and time.monotonic() < deadline and not self._stop.is_set():
                closer.join(0.05)
            if closer.is_alive():
                if self._stop.is_set():
                    return False
                log.warning("camera %s: closing the old handle hangs; opening anyway", self.source.name)
        self._abandoned = [w for w in self._abandoned if w.thread.is_alive()]
        if len(self._abandoned) >= self.MAX_STUCK_CALLS:
            log.debug("camera %s: %d driver calls still hung; not reopening yet", self.source.name,
                      len(self._abandoned))
            return False
        self._worker = _Worker()
        try:
            self._worker.call(self.source.open, max(10.0, 3 * self.settings.read_timeout_seconds), self._stop)
        except _Stopping:
            return False
        except _CallTimeout:
            self._problem(CameraReadFailed("opening the camera hung"))
            return False
        except Exception as exc:  # noqa: BLE001 - any driver failure means "not there yet"
            if not self._had_problem:
                self._problem(exc)
            else:
                self._release()
            return False
        # "Back" is said at the first good frame, not here: a driver that opens and then
        # hangs at every read would otherwise flap between lost and back on screen.
        self._connected = True
        return True

    def _read(self) -> np.ndarray | None:
        assert self._worker is not None
        try:
            frame = self._worker.call(self.source.read_preview, self.settings.read_timeout_seconds, self._stop)
        except _Stopping:
            return None
        except _CallTimeout:
            self._problem(CameraReadFailed(f"read blocked for more than {self.settings.read_timeout_seconds:.1f} s"))
            return None
        except Exception as exc:  # noqa: BLE001
            self._problem(exc)
            return None
        if frame is None:
            self._failures += 1
            if self._failures >= 3:
                self._problem(CameraReadFailed("camera returned no frame three times"))
            return None
        self._failures = 0
        if self._had_problem:
            self.stats["reconnects"] += 1
            log.warning("camera %s is back", self.source.name)
            self._emit(CameraReconnected())
            self._had_problem = False
        if self._previous is not None and frame.shape == self._previous.shape and np.array_equal(frame, self._previous):
            self._identical += 1
            if self._identical >= self.settings.frozen_frames:
                self._problem(CameraReadFailed(f"{self._identical} identical frames: the picture is frozen",
                                               frozen=True), frozen=True)
                return None
        else:
            self._identical = 0
        self._previous = frame
        return frame

    def _maybe_learn_reference(self, frame: np.ndarray, detection: Detection | None) -> None:
        if not self.learn_reference:
            return
        now = time.monotonic()
        if detection is not None:
            self._empty_since = None
            return
        if self._empty_since is None:
            self._empty_since = now
        # An empty platen for a while (or none learned yet): remember it. "Empty" means
        # neither the reference nor the reference-free candidates found a page
        # (detect_page falls back to the latter whenever the former finds nothing).
        quiet = self.reference_after_seconds if self.reference is None else self.reference_refresh_seconds
        if now - self._empty_since >= quiet:
            self.reference = PlatenReference(frame)
            self._empty_since = now
            log.info("learned the empty platen reference")

    def _take_still(self, preview_detection: Detection | None, automatic: bool) -> None:
        assert self._worker is not None
        try:
            still = self._worker.call(self.source.capture_still, max(10.0, 3 * self.settings.read_timeout_seconds),
                                      self._stop)
        except _Stopping:
            return
        except _CallTimeout:
            self._problem(CameraReadFailed("taking the still hung"))
            return
        except Exception as exc:  # noqa: BLE001
            self._problem(exc)
            return
        try:
            made = self._make_page(still, preview_detection)
        except Exception:  # noqa: BLE001 - a page-making bug must not stop the camera
            log.exception("making the page from the still failed")
            made = None
        if made is None:
            # Nothing captured: arm again so the page still lying there is taken again,
            # rather than leaving "captured" on screen for a page that was not.
            self.trigger.reset()
            return
        page, detection = made
        self.stats["captures"] += 1
        log.info("page captured: %r", page)
        self._emit(PageCaptured(page, detection, automatic))

    def _make_page(self, still: np.ndarray,
                   preview_detection: Detection | None) -> tuple[FinishedPage, Detection] | None:
        height, width = still.shape[:2]
        detection = None
        if preview_detection is not None:
            pw, ph = preview_detection.image_size
            if abs(pw / ph - width / height) < 0.01:
                detection = refine_detection(still, preview_detection)
        if detection is None:
            reference = self.reference if self.reference is not None and self.reference.matches(still) else None
            detection = detect_page(still, reference)
        if detection is None:
            log.info("still taken but no page found on it")
            return None
        s = self.settings
        page = make_page(still, detection, mode=s.colour_mode, jpeg_quality=s.jpeg_quality,
                         platen_width_mm=s.platen_width_mm, min_sharpness=s.min_sharpness,
                         min_page_fraction=s.min_page_fraction, codes=s.read_codes)
        return page, detection

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._connected:
                if not self._open():
                    self._stop.wait(self.settings.reopen_interval_seconds)
                    continue
            frame = self._read()
            if frame is None:
                if not self._connected:
                    self._stop.wait(self.settings.reopen_interval_seconds)
                continue
            self.stats["frames"] += 1
            try:
                detection = detect_page(frame, self.reference, refine_full=False)
            except Exception:  # noqa: BLE001 - a detector bug must not stop the camera
                log.exception("page detection failed")
                detection = None
            self._maybe_learn_reference(frame, detection)
            fire = self.auto_capture and self.trigger.update(frame, detection)
            if self._manual.is_set():
                self._manual.clear()
                self.trigger.disarm()
                fire, automatic = True, False
            else:
                automatic = True
            if detection is None:
                hint = zh.PLACE_PAGE
            elif detection.touches_edge:
                hint = zh.CUT_OFF
            elif not self.trigger.armed:
                hint = zh.CAPTURED
            else:
                hint = zh.HOLD_STILL
            self._emit(PreviewFrame(frame, detection, hint, self.trigger.progress))
            if fire:
                self._take_still(detection, automatic)
        self._release()

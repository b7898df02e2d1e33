"""The simulated camera: plays a script of synthetic scenes, images or a video through
the `CameraSource` interface, and can be unplugged on cue (vanish, freeze, block)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Sequence, Union

import cv2
import numpy as np

from devices.camera import synthetic
from devices.camera.errors import CameraReadFailed, CameraUnavailable


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

_SCRIPT = object()  # no scene held: the script plays
NOISE_FIELDS = 8  # preview frames cycle through this many noise fields
NOISE_FIELD_MAX_PIXELS = 2_500_000  # larger frames (stills) get fresh noise each time
_EMPTY_PLATEN = synthetic.Scene(background="dark_mat", background_seed=1, noise=0.0)


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
        self._noise_fields: dict[tuple, list[np.ndarray]] = {}
        self._noise_turn = 0
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
        # Live control (a test, or an F-key in `kiosk run`): a scene held instead of the
        # script, and an unplug that lasts until replug().
        self._held: Any = _SCRIPT
        self._held_unplug: Unplug | None = None
        self._placed_count = 0

    # -- live control ------------------------------------------------------------
    def place_page(self, kind: str = "", seed: int | None = None, coverage: float = 0.75,
                   qr_text: str = "") -> str:
        """Lay a synthetic page on the platen (it stays until taken away); returns its kind.

        Without `kind` the pages go round a4_text, form, id_copy, certificate. Each
        placement lies a little differently, as a person's hand would leave it. A form
        or slip carries `qr_text` in its QR code (e.g. a queue ticket's link).
        """
        kinds = ("a4_text", "form", "id_copy", "certificate")
        with self._lock:
            count = self._placed_count
            self._placed_count += 1
            kind = kind or kinds[count % len(kinds)]
            rng = np.random.default_rng(1000 + count if seed is None else seed)
            aspect = self.still_size[0] / self.still_size[1]
            corners = synthetic.place_page(rng, kind, aspect, coverage if kind != "id_card" else 0.35,
                                           angle_deg=float(rng.uniform(-5, 5)), perspective=0.005,
                                           centre=(0.5, 0.5))
            self._held = replace(_EMPTY_PLATEN.with_page(kind, corners, seed=int(rng.integers(0, 4))), qr_text=qr_text)
        return kind

    def take_page_away(self) -> None:
        """Nothing on the platen until the next place_page()."""
        with self._lock:
            self._held = _EMPTY_PLATEN

    def follow_script(self) -> None:
        """Back to playing the script."""
        with self._lock:
            self._held = _SCRIPT

    def unplug(self, mode: str = "vanish") -> None:
        """The camera goes away until replug(): the handle open now never works again."""
        with self._lock:
            self._held_unplug = Unplug(0.0, mode)
            self._dead_handle = self._handle

    def replug(self) -> None:
        with self._lock:
            self._held_unplug = None

    @property
    def page_on_platen(self) -> bool:
        return self._held is not _SCRIPT and getattr(self._held, "page_kind", None) is not None

    # -- script ----------------------------------------------------------------
    def _current(self) -> Step | None:
        if self._held is not _SCRIPT:
            return Show(self._held, 1)
        if not self.script:
            return None
        if self._step >= len(self.script):
            if not self.loop:
                self.finished = True
                return self.script[-1] if not isinstance(self.script[-1], Unplug) else None
            self._step = 0
        return self.script[self._step]

    def _advance(self) -> None:
        if self._held is not _SCRIPT:
            return
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
        """The frame plus sensor noise: one of NOISE_FIELDS Gaussian fields drawn once per
        frame size, in turn. Drawing a fresh field per frame cost ~30 ms at 1280x720, a
        third of the capture thread's frame budget, which a real camera does not spend."""
        if self.noise <= 0:
            return frame.copy()
        if frame.shape[0] * frame.shape[1] > NOISE_FIELD_MAX_PIXELS:
            # Stills (up to 12 MP) are rare: fresh noise, and no 70 MB fields kept.
            noise = self._rng.normal(0, self.noise, frame.shape[:2] + (1,)).astype(np.int16)
            return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        key = frame.shape
        fields = self._noise_fields.setdefault(key, [])
        self._noise_turn = (self._noise_turn + 1) % NOISE_FIELDS
        while len(fields) <= self._noise_turn:
            field = self._rng.normal(0, self.noise, frame.shape[:2]).astype(np.int16)
            fields.append(cv2.merge([field] * frame.shape[2]) if frame.ndim == 3 else field)
        return cv2.add(frame, fields[self._noise_turn], dtype=cv2.CV_8U)

    def _unplugged(self) -> Unplug | None:
        if self._held_unplug is not None:
            return self._held_unplug
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

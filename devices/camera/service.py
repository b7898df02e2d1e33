"""The capture service that runs a camera source in its own thread with a watchdog.

The service reads preview frames, finds the page on each, auto-captures a still when
the page has lain still, and reports everything through one callback: the Kivy app
wraps it in `Clock.schedule_once`. The finished page (warp, enhance, quality gate,
codes, and which way is up: ~0.5-1.5 s of a core for a 12 MP still) is made on a
thread of its own, "camera-pages", so the preview and the next auto-capture never wait
for it: `PageCaptured` comes from that thread, preview frames and problems from the
service thread. Pages are made one at a time, in the order they were taken. A read that blocks, fails or keeps returning the very same
frame (what UVC cameras do after an unplug) is reported as a problem; the service then
closes the camera and tries to open it again every couple of seconds, and says so when
it is back — the kiosk never needs a restart.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

import numpy as np

from devices.camera import messages_zh as zh
from devices.camera.autocapture import StillTrigger
from devices.camera.errors import CameraReadFailed
from devices.camera.events import CameraEvent, CameraProblem, CameraReconnected, PageCaptured, PreviewFrame
from devices.camera.io_worker import CallTimeout, IoWorker, Stopping
from devices.camera.page_detect import Detection, PlatenReference, detect_page, refine_detection
from devices.camera.page_make import FinishedPage, make_page
from devices.camera.settings import CameraSettings
from devices.camera.source import CameraSource

log = logging.getLogger("devices.camera")

# Frames in a row a page must be seen inside the picture before an edge warning goes away.
EDGE_CLEAR_FRAMES = 3


class CameraService:
    """The capture thread: preview → detection → auto-capture → finished page."""

    # Driver calls abandoned while hung (each holds a thread and the driver's handle):
    # with this many still stuck, no new open is tried until one of them returns.
    MAX_STUCK_CALLS = 2
    # Stills (36 MB each at 12 MP) waiting for the page thread: a shutter tapped again and
    # again takes no more until these are made.
    MAX_WAITING_STILLS = 2

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
        # A page seen over the edge keeps its 材料没有拍全 hint until it has been seen
        # inside the frame this many times in a row: one noisy frame that misses the edge
        # must not flash 请不要移动 at the citizen (about 1 frame in 8 did).
        self._frames_inside_since_cut_off: int | None = None
        self._stop = threading.Event()
        self._manual = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: IoWorker | None = None
        self._abandoned: list[IoWorker] = []
        self._closer: threading.Thread | None = None
        self._connected = False
        self._had_problem = False
        self._previous: np.ndarray | None = None
        self._identical = 0
        self._failures = 0
        self._empty_since: float | None = None
        self._last_detection: Detection | None = None
        # Stills waiting to be made into pages, and the thread that makes them.
        self._stills: queue.Queue = queue.Queue()
        self._page_thread: threading.Thread | None = None
        # Set by the page thread when a still held no page: the capture thread arms again.
        self._rearm = threading.Event()
        self.stats = {"frames": 0, "stills": 0, "captures": 0, "problems": 0, "reconnects": 0}

    # -- public ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._stills = queue.Queue()
        self._page_thread = threading.Thread(target=self._make_pages, args=(self._stills,), name="camera-pages",
                                             daemon=True)
        self._page_thread.start()
        self._thread = threading.Thread(target=self._run, name="camera-service", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading; a still already taken is still made into its page (and reported)
        within `timeout`, as when pages were made on the service thread."""
        deadline = time.monotonic() + timeout
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._release()
        if self._page_thread is not None:
            self._stills.put(None)
            self._page_thread.join(max(0.1, deadline - time.monotonic()))
            self._page_thread = None

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
        self._worker = IoWorker()
        try:
            self._worker.call(self.source.open, max(10.0, 3 * self.settings.read_timeout_seconds), self._stop)
        except Stopping:
            return False
        except CallTimeout:
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
        except Stopping:
            return None
        except CallTimeout:
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
        except Stopping:
            return
        except CallTimeout:
            self._problem(CameraReadFailed("taking the still hung"))
            return
        except Exception as exc:  # noqa: BLE001
            self._problem(exc)
            return
        self.stats["stills"] += 1
        # Made on the page thread: the preview goes on while the page is made and turned.
        self._stills.put((still, preview_detection, automatic))

    def _make_pages(self, stills: queue.Queue) -> None:
        """The page thread: each still taken becomes a finished page, in order."""
        if self.settings.upright_by_text:
            from devices.camera.page_orient import models_available

            models_available()  # load the models now (~0.3 s), not when the first page waits
        while True:
            job = stills.get()
            if job is None:
                return
            still, preview_detection, automatic = job
            try:
                made = self._make_page(still, preview_detection)
            except Exception:  # noqa: BLE001 - a page-making bug must not stop the camera
                log.exception("making the page from the still failed")
                made = None
            if made is None:
                # Nothing captured: arm again so the page still lying there is taken again,
                # rather than leaving "captured" on screen for a page that was not.
                self._rearm.set()
                continue
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
                         min_page_fraction=s.min_page_fraction, codes=s.read_codes,
                         upright_by_text=s.upright_by_text)
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
            if self._rearm.is_set():
                self._rearm.clear()
                self.trigger.reset()
            fire = self.auto_capture and self.trigger.update(frame, detection)
            if self._manual.is_set():
                self._manual.clear()
                self.trigger.disarm()
                fire, automatic = True, False
            else:
                automatic = True
            if detection is None:
                self._frames_inside_since_cut_off = None  # taken away: a new page starts afresh
                hint = zh.PLACE_PAGE
            elif detection.touches_edge:
                self._frames_inside_since_cut_off = 0
                hint = zh.CUT_OFF
            elif not detection.accepted:
                # Seen, but not clearly enough to capture (tilted, a hand over an edge):
                # the trigger will not fire, so say what to do about it.
                hint = zh.REPLACE_PAGE
            elif self._frames_inside_since_cut_off is not None and \
                    self._frames_inside_since_cut_off + 1 < EDGE_CLEAR_FRAMES:
                self._frames_inside_since_cut_off += 1
                hint = zh.CUT_OFF
            elif not self.trigger.armed:
                hint = zh.CAPTURED
            else:
                self._frames_inside_since_cut_off = None
                hint = zh.HOLD_STILL
            self._emit(PreviewFrame(frame, detection, hint, self.trigger.progress))
            if fire and self._stills.qsize() >= self.MAX_WAITING_STILLS:
                log.info("%d stills still being made into pages: this one is not taken", self._stills.qsize())
                self.trigger.reset()
                fire = False
            if fire:
                self._take_still(detection, automatic)
        self._release()

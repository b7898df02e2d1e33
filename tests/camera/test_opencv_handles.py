"""GIVEN the OpenCV driver reading a real cv2.VideoCapture whose read hangs
WHEN the read is abandoned and the camera is closed and opened again
THEN the hung capture is released exactly once, only after its read has returned,
the new open gets a capture of its own at once, and nothing is released twice.

The camera is a named pipe that OpenCV (FFMPEG) reads MJPEG from: while the test
writes no frames, read() blocks in the kernel exactly as a wedged UVC driver's does,
and ending the pipe makes it return. Renaming the pipe and making a new one at the
same path is the camera re-enumerating: the old capture still holds the old pipe.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from waiting import wait_until

from devices.camera import synthetic
from devices.camera.events import CameraProblem, CameraReconnected, PreviewFrame
from devices.camera.opencv_driver import OpenCvCamera
from devices.camera.service import CameraService
from devices.camera.errors import CameraUnavailable
from devices.camera.settings import CameraSettings

SIZE = (640, 480)


class PipeFeed:
    """The far end of one camera connection: JPEG frames written into a FIFO."""

    def __init__(self, path: Path, jpegs: list[bytes], frames_at_start: int, streaming: bool) -> None:
        self.path = path
        os.mkfifo(path)
        self._frames = itertools.cycle(jpegs)
        self._queue: queue.Queue = queue.Queue()
        for _ in range(frames_at_start):
            self._queue.put(next(self._frames))
        self._streaming = threading.Event()
        if streaming:
            self._streaming.set()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._write, name="pipe-feed", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)  # waits for a reader, as opening a pipe does
        self.connected.set()
        try:
            while True:
                if self._streaming.is_set() and self._queue.empty():
                    item = next(self._frames)
                else:
                    try:
                        item = self._queue.get(timeout=0.05)
                    except queue.Empty:
                        continue
                if item is None:
                    return
                view = memoryview(item)
                while view:
                    view = view[os.write(fd, view):]
        except OSError:  # the reader went away
            return
        finally:
            os.close(fd)

    def send(self, frames: int) -> None:
        for _ in range(frames):
            self._queue.put(next(self._frames))

    def pause(self) -> None:
        """Stop sending: the reader's next reads block once the pipe is drained."""
        self._streaming.clear()

    def end(self) -> None:
        """Close the pipe: a read blocked on it returns (end of stream)."""
        self._streaming.clear()
        self._queue.put(None)
        if not self.connected.is_set():
            # Nobody opened it: let the writer's open return so the thread can end.
            os.close(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK))
        self._thread.join(5)


class PipeCamera:
    """A camera at one path that can re-enumerate: each plug() is a fresh pipe there."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "camera.mjpeg"
        self.feeds: list[PipeFeed] = []
        base = synthetic.Scene(background="dark_mat", background_seed=1, noise=0.0)
        rng = np.random.default_rng(3)
        corners = synthetic.place_page(rng, "form", 4 / 3, 0.7, angle_deg=3, perspective=0.0)
        frame = synthetic.render_scene(base.with_page("form", corners), *SIZE)
        # A live camera never repeats a frame bit for bit (the service calls that frozen).
        self.jpegs = [cv2.imencode(".jpg", synthetic.add_sensor_noise(frame, 2.0, rng))[1].tobytes()
                      for _ in range(8)]

    def plug(self, frames_at_start: int = 0, streaming: bool = False) -> PipeFeed:
        if self.feeds:
            # Move the old pipe aside: whoever has it open keeps it, new opens get the new one.
            old = self.feeds[-1]
            moved = self.path.with_name(f"gone-{len(self.feeds)}.mjpeg")
            os.rename(old.path, moved)
            old.path = moved
        feed = PipeFeed(self.path, self.jpegs, frames_at_start, streaming)
        self.feeds.append(feed)
        return feed

    def unplug_all(self) -> None:
        for feed in self.feeds:
            feed.end()


@pytest.fixture
def pipe_camera(tmp_path, monkeypatch):
    # FFMPEG otherwise reads megabytes of a pipe before open() returns.
    monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "probesize;32|analyzeduration;0")
    camera = PipeCamera(tmp_path)
    yield camera
    camera.unplug_all()


class WatchedCapture:
    """A real cv2.VideoCapture, wrapped to note in a shared journal when reads go in and
    come out and when it is released, with how many reads were inside at that moment.
    (Wrapped, not subclassed: a Python subclass of cv2.VideoCapture made the interpreter
    crash at exit after these tests.)"""

    def __init__(self, journal: list, lock: threading.Lock, number: int, device, backend: int) -> None:
        self.journal, self.lock, self.number = journal, lock, number
        self.inside = 0
        self.read_since = 0.0
        self.capture = cv2.VideoCapture(device, backend)

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.capture.isOpened()

    def set(self, prop: int, value: float) -> bool:
        return self.capture.set(prop, value)

    def get(self, prop: int) -> float:
        return self.capture.get(prop)

    def read(self):
        with self.lock:
            self.inside += 1
            self.read_since = time.monotonic()
            self.journal.append(("read", self.number, threading.current_thread().name))
        try:
            return self.capture.read()
        finally:
            with self.lock:
                self.inside -= 1
                self.journal.append(("read done", self.number, threading.current_thread().name))

    def release(self) -> None:
        with self.lock:
            inside = self.inside
            self.journal.append(("release", self.number, threading.current_thread().name, inside))
        if inside:
            # What OpenCV does here is undefined (it can crash the process): noted in
            # the journal for the test to fail on, not done.
            return
        self.capture.release()

    def hung_for(self) -> float:
        with self.lock:
            return time.monotonic() - self.read_since if self.inside else 0.0


class WatchedCamera(OpenCvCamera):
    """The real driver, with its captures made as WatchedCapture (its own factory hook)."""

    def __init__(self, settings: CameraSettings) -> None:
        super().__init__(settings)
        self.journal: list = []
        self.journal_lock = threading.Lock()
        self.captures: list[WatchedCapture] = []
        self._numbers = itertools.count()

    def _new_capture(self, device, backend) -> WatchedCapture:
        capture = WatchedCapture(self.journal, self.journal_lock, next(self._numbers), device, backend)
        with self.journal_lock:
            self.captures.append(capture)
        return capture

    def entries(self, kind: str, number: int) -> list[tuple]:
        with self.journal_lock:
            return [e for e in self.journal if e[0] == kind and e[1] == number]

    def released_once_each_never_under_a_read(self) -> None:
        with self.journal_lock:
            journal = list(self.journal)
            numbers = [c.number for c in self.captures]
        releases = [e for e in journal if e[0] == "release"]
        assert sorted(e[1] for e in releases) == sorted(numbers), f"releases {releases} for captures {numbers}"
        assert all(e[3] == 0 for e in releases), f"released while a read was inside: {releases}"


def _settings(path: Path, **changes) -> CameraSettings:
    return replace(CameraSettings(), driver="opencv", device_path=str(path), preview_width=SIZE[0],
                   preview_height=SIZE[1], still_width=SIZE[0], still_height=SIZE[1], stream_full_resolution=True,
                   stable_frames=5, frozen_frames=5, read_codes=False, **changes)


def test_close_and_reopen_during_a_hung_read_leave_the_old_capture_to_its_read(pipe_camera):
    # GIVEN a camera that sent a few frames and then stopped, with a read hung in it on
    # a thread of its own (as the service's I/O thread runs it)
    first = pipe_camera.plug(frames_at_start=3)
    camera = WatchedCamera(_settings(pipe_camera.path))
    camera.open()
    abandoned = threading.Event()

    def read_until_abandoned() -> None:
        while not abandoned.is_set():
            camera.read_preview()

    reader = threading.Thread(target=read_until_abandoned, name="hung-reader", daemon=True)
    reader.start()
    old = camera.captures[0]
    wait_until(lambda: old.hung_for() > 0.3, 10, 0.02, "the read to block")

    # WHEN the read is given up on, the camera closed, re-enumerated, opened and read
    abandoned.set()
    camera.close()
    pipe_camera.plug(frames_at_start=4)
    camera.open()
    frame = camera.read_preview()

    # THEN the new capture gives frames while the old read is still stuck, and the old
    # capture has not been released under it
    assert frame is not None and frame.shape == (SIZE[1], SIZE[0], 3)
    assert len(camera.captures) == 2 and reader.is_alive()
    assert camera.entries("release", 0) == []

    # WHEN the stuck read finally returns (the old pipe ends)
    first.end()
    reader.join(5)
    assert not reader.is_alive()

    # THEN the old capture is released once, after its last read, by the thread that read
    assert camera.entries("release", 0) == [("release", 0, "hung-reader", 0)]
    with camera.journal_lock:
        mine = [e for e in camera.journal if e[1] == 0]
    assert mine[-1][0] == "release" and mine[-2][0] == "read done"
    assert camera.entries("release", 1) == []  # the new one is untouched
    camera.close()
    camera.close()  # a second close releases nothing twice
    camera.released_once_each_never_under_a_read()


def test_close_while_idle_releases_at_once_and_reads_after_close_give_nothing(pipe_camera):
    pipe_camera.plug(frames_at_start=4)
    camera = WatchedCamera(_settings(pipe_camera.path))
    camera.open()
    assert camera.read_preview() is not None
    camera.close()
    assert camera.entries("release", 0) == [("release", 0, threading.current_thread().name, 0)]
    assert camera.read_preview() is None
    with pytest.raises(Exception):
        camera.capture_still()
    camera.released_once_each_never_under_a_read()


def test_an_open_given_up_on_does_not_take_over_from_the_next_open(pipe_camera):
    # GIVEN an open hung in the VideoCapture constructor (the camera sends nothing yet)
    stalled = pipe_camera.plug()
    camera = WatchedCamera(_settings(pipe_camera.path))
    outcomes: dict = {}

    def open_in_background(name: str) -> threading.Thread:
        def run() -> None:
            try:
                camera.open()
                outcomes[name] = "opened"
            except CameraUnavailable as exc:
                outcomes[name] = exc

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread

    first = open_in_background("first-open")
    time.sleep(0.3)
    assert first.is_alive() and camera.captures == []

    # WHEN it is given up on (close), the camera comes back and is opened again, and only
    # then does the first open get through (FFMPEG holds one lock over all its opens, so
    # the second open may well be waiting for the first one here)
    camera.close()
    pipe_camera.plug(frames_at_start=4)
    second = open_in_background("second-open")
    stalled.send(2)
    first.join(10)
    second.join(10)

    # THEN the late open refused and released its own capture; the second one is in use
    assert not first.is_alive() and not second.is_alive()
    assert isinstance(outcomes["first-open"], CameraUnavailable) and outcomes["second-open"] == "opened"
    late, live = 0, 1  # numbered as their constructors were entered
    assert len(camera.entries("release", late)) == 1 and camera.entries("release", live) == []
    assert camera.read_preview() is not None
    camera.close()
    camera.released_once_each_never_under_a_read()


def test_the_service_reopens_past_a_hung_read_and_the_stuck_capture_is_released_when_it_returns(
        pipe_camera, event_log):
    # GIVEN the capture service streaming from the camera
    first = pipe_camera.plug(streaming=True)
    settings = _settings(pipe_camera.path, read_timeout_seconds=1.0, reopen_interval_seconds=0.05)
    camera = WatchedCamera(settings)
    service = CameraService(camera, event_log, settings, learn_reference=False)
    service.start()
    try:
        assert event_log.wait_for(lambda: len(event_log.of(PreviewFrame)) >= 3, 20)
        # WHEN the camera re-enumerates and the old connection stops sending mid-read
        pipe_camera.plug(streaming=True)
        first.pause()
        # THEN the hang is reported, the service reopens on the new connection and is back
        assert event_log.wait_for(lambda: len(event_log.of(CameraReconnected)) >= 1, 20), service.stats
        assert len(event_log.of(CameraProblem)) == 1
        assert camera.captures[0].hung_for() > 0 and camera.entries("release", 0) == []
        frames = len(event_log.of(PreviewFrame))
        assert event_log.wait_for(lambda: len(event_log.of(PreviewFrame)) >= frames + 3, 20)
        # WHEN the stuck read finally returns
        first.end()
        # THEN its capture is released, once, after the read, by the abandoned I/O thread
        wait_until(lambda: camera.entries("release", 0) != [], 10, 0.02, "the stuck capture's release")
        assert camera.entries("release", 0) == [("release", 0, "camera-io", 0)]
    finally:
        service.stop()
    wait_until(lambda: len(camera.entries("release", len(camera.captures) - 1)) == 1, 10, 0.02,
               "the last capture's release")
    camera.released_once_each_never_under_a_read()

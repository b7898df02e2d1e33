"""GIVEN a camera (the simulator playing a session, or OpenCV reading a real MJPG file)
WHEN the capture service runs THEN each page placed is captured exactly once, the
camera going away is reported in Chinese and recovered from without a restart, and
all of it happens off the caller's thread."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import cv2
import numpy as np
import pytest

from devices.camera import messages_zh as zh
from devices.camera import synthetic
from devices.camera.errors import CameraUnavailable
from devices.camera.events import CameraProblem, CameraReconnected, PageCaptured, PreviewFrame
from devices.camera.factory import open_camera
from devices.camera.opencv_driver import OpenCvCamera
from devices.camera.service import CameraService
from devices.camera.settings import CameraSettings
from devices.camera.simulator import Show, SimulatedCamera, Slide, Unplug

EMPTY = synthetic.Scene(background="dark_mat", background_seed=2, noise=0.0)
# The read watchdog leaves room for a loaded 2-core CI box: the simulator's first frame
# of a new scene takes ~0.1 s idle and well over 0.5 s under load (a false "blocked").
# These tests are about capturing (once per page, through a lost camera): which way is
# up (~0.5 s of a core per page) is tested in test_page_orient, and once here through the
# service (test_preview_goes_on_while_the_captured_page_is_turned_upright).
FAST = CameraSettings(preview_width=640, preview_height=480, still_width=1600, still_height=1200, stable_frames=5,
                      read_timeout_seconds=2.0, reopen_interval_seconds=0.1, frozen_frames=5, read_codes=False,
                      upright_by_text=False)


def _placed(kind: str, seed: int, coverage: float = 0.75, angle: float = 3.0, centre=(0.5, 0.5)):
    rng = np.random.default_rng(seed)
    corners = synthetic.place_page(rng, kind, 4 / 3, coverage, angle_deg=angle, perspective=0.005, centre=centre)
    return EMPTY.with_page(kind, corners, seed=seed % 4)


def _sliding_in(scene):
    start = scene.with_page(scene.page_kind, [(x + 0.3, y + 0.05) for x, y in scene.corners])
    return Slide(start, scene, 3)


def _camera(script, **kwargs) -> SimulatedCamera:
    return SimulatedCamera(script, preview_size=(640, 480), still_size=(1600, 1200), realtime=False, loop=False,
                           **kwargs)


def _run(camera, event_log, settings=FAST, until=None, timeout=60.0):
    service = CameraService(camera, event_log, settings)
    service.start()
    try:
        total = sum(step.frames for step in camera.script if not isinstance(step, Unplug))
        done = until or (lambda: camera.frames_served >= total + 3)
        assert event_log.wait_for(done, timeout), f"session did not finish: {service.stats}"
    finally:
        service.stop()
    return service


def test_each_page_placed_is_captured_exactly_once(event_log):
    a4 = _placed("a4_text", 1)
    nudged = a4.with_page("a4_text", [(x + 0.006, y + 0.004) for x, y in a4.corners])
    card = _placed("id_card", 2, coverage=0.35, angle=-5)
    form = _placed("form", 3, angle=8)
    script = [
        Show(EMPTY, 5),
        _sliding_in(a4), Show(a4, 12), Slide(a4, nudged, 2), Show(nudged, 10),  # a nudge is the same page
        Show(EMPTY, 4),
        _sliding_in(card), Show(card, 12),
        Show(EMPTY, 4),
        Show(form, 12), Show(EMPTY, 5),
    ]
    camera = _camera(script)

    _run(camera, event_log)

    captured = event_log.of(PageCaptured)
    assert [c.page.page_class for c in captured] == ["A4", "ID-1", "A4"]
    assert all(c.automatic and c.accepted for c in captured), [c.page for c in captured]
    previews = event_log.of(PreviewFrame)
    assert {p.hint_zh for p in previews} >= {zh.PLACE_PAGE, zh.HOLD_STILL, zh.CAPTURED}


def test_the_same_sheet_laid_down_again_after_removal_is_captured_again(event_log):
    a4 = _placed("a4_text", 5)
    script = [Show(EMPTY, 4), Show(a4, 10), Show(EMPTY, 4), Show(a4, 10), Show(EMPTY, 4)]
    _run(_camera(script), event_log)
    assert len(event_log.of(PageCaptured)) == 2


def test_events_arrive_on_the_capture_thread_not_the_callers(event_log):
    threads = set()

    def on_event(event):
        threads.add(threading.get_ident())
        event_log(event)

    camera = _camera([Show(_placed("form", 4), 8)])
    service = CameraService(camera, on_event, FAST)
    service.start()
    try:
        assert event_log.wait_for(lambda: len(event_log.of(PreviewFrame)) >= 3, 20)
    finally:
        service.stop()
    assert threading.get_ident() not in threads


def test_preview_goes_on_while_the_captured_page_is_turned_upright(event_log):
    # GIVEN a page lying upside down, and a service that reads which way is up
    upside_down = _placed("a4_text", 12, angle=183.0)
    camera = _camera([Show(EMPTY, 3), Show(upside_down, 300), Show(EMPTY, 3)])
    service = None
    while_made = []

    def on_event(event):
        if isinstance(event, PreviewFrame) and service.stats["stills"] == 1 and not event_log.of(PageCaptured):
            while_made.append(event)
        event_log(event)

    service = CameraService(camera, on_event, replace(FAST, upright_by_text=True))
    # WHEN it captures the page
    service.start()
    try:
        assert event_log.wait_for(lambda: len(event_log.of(PageCaptured)) == 1, 60), service.stats
    finally:
        service.stop()
    # THEN the preview kept moving (saying 已拍摄) while the page was made and turned,
    # and the page came out upright
    assert len(while_made) >= 3, f"{len(while_made)} preview frames while the page was made"
    assert {frame.hint_zh for frame in while_made} == {zh.CAPTURED}
    page = event_log.of(PageCaptured)[0].page
    assert (page.rotation, page.orientation_confident) == (180, True)


@pytest.mark.parametrize("mode,seconds,message", [
    ("vanish", 1.0, zh.CAMERA_LOST),
    ("freeze", 3.0, zh.CAMERA_FROZEN),  # long enough for frozen_frames reads on a loaded box
    ("block", FAST.read_timeout_seconds + 1.0, zh.CAMERA_LOST),  # blocks past the read watchdog
], ids=["vanish", "freeze", "block"])
def test_camera_vanishing_mid_session_is_reported_and_recovered(event_log, mode, seconds, message):
    before = _placed("a4_text", 6)
    after = _placed("certificate", 7)
    script = [Show(EMPTY, 3), Show(before, 10), Unplug(seconds, mode), Show(EMPTY, 3), Show(after, 10), Show(EMPTY, 4)]
    camera = _camera(script)

    service = _run(camera, event_log, until=lambda: len(event_log.of(PageCaptured)) >= 2 and camera.finished,
                   timeout=60)

    problems = event_log.of(CameraProblem)
    assert len(problems) == 1 and problems[0].message_zh == message
    assert len(event_log.of(CameraReconnected)) == 1
    # Pages are made on their own thread: the first may be reported after the loss.
    kinds = [type(e) for e in event_log.events if isinstance(e, (CameraProblem, CameraReconnected))]
    assert kinds == [CameraProblem, CameraReconnected]
    assert [c.page.page_class for c in event_log.of(PageCaptured)] == ["A4", "A4"]
    assert service.stats["reconnects"] == 1


def test_camera_missing_at_start_says_so_and_keeps_trying(event_log):
    camera = _camera([Unplug(0.6, "vanish"), Show(_placed("form", 8), 10), Show(EMPTY, 3)])
    _run(camera, event_log, until=lambda: len(event_log.of(PageCaptured)) == 1)
    assert event_log.of(CameraProblem)[0].message_zh == zh.CAMERA_NOT_FOUND
    assert len(event_log.of(CameraReconnected)) == 1


@pytest.fixture
def mjpg_video(tmp_path, make_scene):
    """A real MJPG AVI of a page on the platen, as a camera file OpenCV can open."""
    path = tmp_path / "platen.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (800, 600))
    assert writer.isOpened()
    scene = make_scene("dark_mat", "form", seed=3, aspect=4 / 3, blur=0.0, glare=0.0)
    frame = synthetic.render_scene(scene, 800, 600)
    rng = np.random.default_rng(0)
    for _ in range(12):
        writer.write(synthetic.add_sensor_noise(frame, 2.0, rng))
    writer.release()
    return path


def test_opencv_driver_reads_a_real_mjpg_stream_and_checks_the_granted_size(mjpg_video):
    settings = replace(FAST, driver="opencv", device_path=str(mjpg_video), preview_width=800, preview_height=600,
                       still_width=800, still_height=600, stream_full_resolution=True)
    camera = open_camera(settings)
    assert isinstance(camera, OpenCvCamera)
    camera.open()
    try:
        assert (camera.granted.width, camera.granted.height) == (800, 600)
        assert camera.granted.fourcc == "MJPG"
        preview = camera.read_preview()
        still = camera.capture_still()
        assert preview.shape == (600, 800, 3) and still.shape == (600, 800, 3)
    finally:
        camera.close()


def test_opencv_stream_ending_is_a_lost_camera_then_it_comes_back(mjpg_video, event_log):
    settings = replace(FAST, driver="opencv", device_path=str(mjpg_video), preview_width=800, preview_height=600,
                       still_width=800, still_height=600, stream_full_resolution=True)
    service = CameraService(open_camera(settings), event_log, settings)
    service.start()
    try:
        assert event_log.wait_for(lambda: len(event_log.of(CameraReconnected)) >= 1, 30)
    finally:
        service.stop()
    assert event_log.of(CameraProblem)[0].message_zh == zh.CAMERA_LOST
    assert len(event_log.of(PageCaptured)) >= 1


def test_opencv_driver_without_a_camera_refuses_in_chinese():
    camera = OpenCvCamera(replace(FAST, driver="opencv", device_path="/dev/video-that-is-not-there"))
    with pytest.raises(CameraUnavailable) as refused:
        camera.open()
    assert refused.value.message_zh == zh.CAMERA_NOT_FOUND


def test_default_settings_give_the_simulator_with_pages(settings):
    camera = open_camera(replace(settings.devices.camera, still_width=1600, still_height=1200), realtime=False)
    assert isinstance(camera, SimulatedCamera)
    camera.open()
    frames = [camera.read_preview() for _ in range(40)]
    camera.close()
    from devices.camera.page_detect import detect_page

    assert any(detect_page(f) is not None for f in frames[20:40])
    assert detect_page(frames[0]) is None  # the show starts on the empty platen


def test_simulator_plays_a_folder_of_photos(tmp_path, make_scene, render):
    for i, kind in enumerate(("a4_text", "form")):
        cv2.imwrite(str(tmp_path / f"{i}.jpg"), render(make_scene("wood", kind, seed=i, aspect=4 / 3), 1600, 1200))
    camera = open_camera(replace(FAST, simulator_source=str(tmp_path)), realtime=False)
    camera.open()
    first = camera.read_preview()
    still = camera.capture_still()
    camera.close()
    assert first.shape == (480, 640, 3)
    assert still.shape == (1200, 1600, 3)


def test_empty_platen_is_learned_and_then_finds_white_paper_on_a_white_desk(event_log):
    desk = synthetic.Scene(background="white_desk", background_seed=1, noise=0.0)
    rng = np.random.default_rng(4)
    page = desk.with_page("a4_text", synthetic.place_page(rng, "a4_text", 4 / 3, 0.8, angle_deg=4, perspective=0.0))
    camera = _camera([Show(desk, 8), Show(page, 8)])
    service = CameraService(camera, event_log, FAST, reference_after_seconds=0.0)
    service.start()
    try:
        assert event_log.wait_for(lambda: camera.frames_served >= 16, 30)
    finally:
        service.stop()
    assert service.reference is not None
    seen = [p.detection for p in event_log.of(PreviewFrame)[-4:]]
    assert all(d is not None and d.method == "reference" for d in seen)


def test_page_over_the_edge_tells_the_citizen_to_move_it_in(event_log):
    page = _placed("a4_text", 9)
    over = page.with_page("a4_text", [(x - 0.3, y) for x, y in page.corners])
    camera = _camera([Show(over, 12)])
    _run(camera, event_log)
    # The hints of the 12 frames the page lay there: the camera goes on serving the last
    # scene with fresh noise until the service stops, and where that stops is timing.
    assert [p.hint_zh for p in event_log.of(PreviewFrame)[:12]] == [zh.CUT_OFF] * 12
    assert event_log.of(PageCaptured) == []  # never auto-captured half a page


class _HungDriver:
    """A camera whose read never returns (a UVC driver after a bad unplug) and whose
    close does not wake it either."""

    name = "hung"

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.unhang = threading.Event()  # only the test's clean-up sets it

    def open(self) -> None:
        pass

    def read_preview(self):
        self.reading.set()
        self.unhang.wait(60)
        return None

    def capture_still(self):
        raise AssertionError("no still without a preview")

    def close(self) -> None:
        pass


def test_stop_returns_at_once_while_the_driver_read_hangs(event_log):
    # GIVEN the service waiting on a read that hangs (watchdog set long, as on a slow camera)
    driver = _HungDriver()
    service = CameraService(driver, event_log, replace(FAST, read_timeout_seconds=30.0))
    service.start()
    thread = service._thread
    try:
        assert driver.reading.wait(10)
        # WHEN the kiosk stops the camera
        started = time.monotonic()
        service.stop(timeout=10.0)
        took = time.monotonic() - started
    finally:
        driver.unhang.set()
    # THEN stop() returns without waiting out the read, and the service thread has ended
    assert took < 3.0, f"stop() took {took:.1f} s"
    assert not thread.is_alive() and not service.running
    assert event_log.of(CameraProblem) == []  # stopping is not a camera fault


def test_a_page_that_fails_to_process_is_retried_and_the_camera_keeps_running(event_log, monkeypatch):
    # GIVEN page making that fails once (a bug, or a still the warp cannot handle)
    from devices.camera import service as capture_service

    real_make_page = capture_service.make_page
    calls = []

    def flaky_make_page(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise cv2.error("simulated failure inside page making")
        return real_make_page(*args, **kwargs)

    monkeypatch.setattr(capture_service, "make_page", flaky_make_page)
    page = _placed("a4_text", 11)
    camera = _camera([Show(EMPTY, 3), Show(page, 24), Show(EMPTY, 4)])
    # WHEN the citizen leaves the page lying there
    service = _run(camera, event_log, timeout=30)
    # THEN the service survived the failure and the same page was captured on the retry
    assert len(calls) == 2
    assert len(event_log.of(PageCaptured)) == 1
    assert service.stats["frames"] >= 30


class _ReadHangsForever(_HungDriver):
    """Opens every time, then every read hangs (a driver wedged in the kernel)."""

    def __init__(self) -> None:
        super().__init__()
        self.opens = 0

    def open(self) -> None:
        self.opens += 1


def test_a_driver_that_hangs_at_every_read_does_not_pile_up_stuck_threads(event_log):
    # GIVEN a camera whose reads all hang, with a short watchdog and quick retries
    driver = _ReadHangsForever()
    settings = replace(FAST, read_timeout_seconds=0.1, reopen_interval_seconds=0.05)
    service = CameraService(driver, event_log, settings)
    service.start()
    try:
        # WHEN the service has had time for many reopen attempts
        time.sleep(2.0)
        stuck = [t for t in threading.enumerate() if t.name == "camera-io" and t.is_alive()]
        # THEN only a bounded number of hung driver calls are left waiting, not one per retry
        assert len(stuck) <= 3, f"{len(stuck)} camera-io threads stuck after {driver.opens} opens"
        assert len(event_log.of(CameraProblem)) == 1  # said once, not at every retry
    finally:
        service.stop()
        driver.unhang.set()


class _SlowToClose(SimulatedCamera):
    """close() takes a while, as releasing a wedged UVC handle does."""

    def close(self) -> None:
        time.sleep(0.5)
        super().close()


def test_a_slow_close_of_the_lost_camera_does_not_close_the_reopened_one(event_log):
    # GIVEN a camera that goes away briefly and whose close() is slower than a retry
    after = _placed("certificate", 7)
    script = [Show(EMPTY, 3), Unplug(0.3, "vanish"), Show(EMPTY, 3), Show(after, 12), Show(EMPTY, 6)]
    camera = _SlowToClose(script, preview_size=(640, 480), still_size=(1600, 1200), realtime=False, loop=False)
    # WHEN the service reopens it
    _run(camera, event_log, settings=replace(FAST, reopen_interval_seconds=0.05),
         until=lambda: camera.finished and len(event_log.of(PageCaptured)) >= 1, timeout=30)
    # THEN the late close of the old handle did not cut the new one off: lost once, back once
    assert len(event_log.of(CameraProblem)) == 1, event_log.of(CameraProblem)
    assert len(event_log.of(CameraReconnected)) == 1

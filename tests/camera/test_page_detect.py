"""GIVEN a synthetic platen frame with a known page WHEN the detector runs THEN the
corners it reports are where the page is (within 1 % of the frame diagonal)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from devices.camera import synthetic
from devices.camera.page_detect import PlatenReference, detect_page, order_clockwise, quad_is_page_like

BACKGROUND_PAGES = [
    ("dark_mat", "a4_text"),
    ("coloured_mat", "form"),
    ("wood", "id_copy"),
    ("white_desk", "certificate"),
    ("clutter", "form"),
    ("clutter", "id_card"),
]


def _corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Worst corner distance, after matching the clockwise order's starting corner."""
    truth = order_clockwise(truth)
    return max(float(np.linalg.norm(found[i] - truth[i])) for i in range(4))


@pytest.mark.parametrize("background,kind", BACKGROUND_PAGES)
@pytest.mark.parametrize("use_reference", [False, True], ids=["no-reference", "reference"])
def test_corners_within_one_percent_of_the_diagonal(make_scene, render, background, kind, use_reference):
    scene = make_scene(background, kind, seed=11)
    frame = render(scene)
    reference = PlatenReference(render(synthetic.empty_scene(scene))) if use_reference else None

    detection = detect_page(frame, reference)

    assert detection is not None, f"no page found on {background}"
    diagonal = float(np.hypot(1920, 1080))
    error = _corner_error(detection.corners, scene.corners_px(1920, 1080))
    assert error < 0.01 * diagonal, f"{background}/{kind}: corner off by {error:.1f} px"
    assert detection.confidence > 0.6
    assert not detection.touches_edge


def test_corners_come_clockwise_from_the_top_left(make_scene, render):
    scene = make_scene("dark_mat", "a4_text", seed=3)
    detection = detect_page(render(scene))
    c = detection.corners
    assert c[0, 0] < c[1, 0] and c[0, 1] < c[3, 1]  # TL left of TR, above BL
    assert c[2, 0] > c[3, 0] and c[2, 1] > c[1, 1]  # BR right of BL, below TR
    u, v = c[1] - c[0], c[2] - c[1]
    cross = u[0] * v[1] - u[1] * v[0]
    assert cross > 0  # clockwise on screen (y down)


def test_still_at_twelve_megapixels_is_refined_at_full_resolution(make_scene, render):
    scene = make_scene("wood", "a4_text", seed=5, aspect=4 / 3)
    still = render(scene, 4032, 3024)
    detection = detect_page(still)
    error = _corner_error(detection.corners, scene.corners_px(4032, 3024))
    # Full-resolution refinement: far inside the 1 % (50 px) allowance.
    assert error < 0.004 * np.hypot(4032, 3024)


@pytest.mark.parametrize("background", synthetic.BACKGROUNDS)
def test_empty_platen_is_no_page(make_scene, render, background):
    empty = synthetic.empty_scene(make_scene(background, "a4_text", seed=2))
    frame = render(empty)
    assert detect_page(frame) is None
    assert detect_page(frame, PlatenReference(frame)) is None


def test_page_cut_off_by_the_frame_edge_is_flagged(make_scene, render):
    scene = make_scene("dark_mat", "a4_text", seed=4)
    # Slide the page so a fifth of it hangs over the left edge of the frame.
    corners = [(x - 0.3, y) for x, y in scene.corners]
    cut = scene.with_page("a4_text", corners)
    detection = detect_page(render(cut))
    assert detection is not None
    assert detection.touches_edge


def test_non_page_shapes_are_rejected():
    w, h = 640, 360
    long_strip = np.array([[100, 100], [600, 100], [600, 130], [100, 130]], np.float32)
    kite = np.array([[300, 20], [400, 180], [300, 340], [200, 180]], np.float32)
    crumb = np.array([[10, 10], [20, 10], [20, 20], [10, 20]], np.float32)
    trapezoid = np.array([[280, 50], [360, 50], [600, 330], [40, 330]], np.float32)
    good = np.array([[150, 40], [450, 50], [440, 330], [160, 320]], np.float32)
    for quad in (long_strip, kite, crumb, trapezoid):
        assert not quad_is_page_like(quad, w, h)
    assert quad_is_page_like(good, w, h)


def test_clutter_without_a_page_is_no_page(render):
    scene = synthetic.Scene(background="clutter", background_seed=3)
    assert detect_page(render(scene)) is None


def test_reference_from_another_camera_mode_is_ignored(make_scene, render):
    scene = make_scene("coloured_mat", "a4_text", seed=6)
    wrong_mode_reference = PlatenReference(render(synthetic.empty_scene(scene), 1600, 1200))
    detection = detect_page(render(scene), wrong_mode_reference)
    assert detection is not None and detection.method == "free"


def test_garbage_input_is_no_page():
    assert detect_page(np.zeros((10, 10, 3), np.uint8)) is None
    assert detect_page(np.zeros((480, 640), np.uint8)) is None
    assert detect_page(np.full((480, 640, 3), 128, np.uint8)) is None


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(["a4_text", "form", "id_card", "slip", "certificate"]),
    background=st.sampled_from(["dark_mat", "coloured_mat", "wood", "clutter"]),
    angle=st.floats(-180, 180),
    coverage=st.floats(0.45, 0.85),
    where=st.tuples(st.floats(0.35, 0.65), st.floats(0.4, 0.6)),
)
def test_any_placement_on_the_platen_is_found(kind, background, angle, coverage, where):
    """Whatever way round and wherever the page lies (fully inside the frame)."""
    rng = np.random.default_rng(0)
    corners = synthetic.place_page(rng, kind, 16 / 9, coverage if kind != "id_card" else coverage / 2,
                                   angle_deg=angle, perspective=0.01, centre=where)
    truth = np.array([(x * 960, y * 540) for x, y in corners], np.float32)
    assume(truth.min() > 12 and (truth[:, 0] < 948).all() and (truth[:, 1] < 528).all())
    scene = synthetic.Scene(background=background, background_seed=1).with_page(kind, corners, seed=1)
    detection = detect_page(synthetic.render_scene(scene, 960, 540))
    assert detection is not None
    # Compare as sets: which corner is "top-left" is a matter of convention at 45°.
    worst = max(float(np.min(np.linalg.norm(detection.corners - t, axis=1))) for t in truth)
    assert worst < 0.01 * np.hypot(960, 540)


def test_the_empty_platen_reference_does_not_share_the_frames_sensor_noise(make_scene, render):
    # An honest benchmark: the reference is another exposure of the platen, so its noise is
    # its own; a reference with the frame's very noise would cancel it and flatter the detector.
    scene = make_scene("dark_mat", "a4_text", seed=11, blur=0.0, jpeg_quality=0, glare=0.0, noise=3.0)
    frame = render(scene).astype(np.int16)
    empty = render(synthetic.empty_scene(scene)).astype(np.int16)
    outside = np.ones(frame.shape[:2], bool)
    xs, ys = scene.corners_px(1920, 1080).T
    outside[max(0, int(ys.min()) - 20):int(ys.max()) + 20, max(0, int(xs.min()) - 20):int(xs.max()) + 20] = False
    assert outside.mean() > 0.1  # enough platen around the page to compare
    identical = (frame == empty).all(axis=2)[outside].mean()
    assert identical < 0.5, f"{identical:.0%} of the platen pixels are bit-identical to the reference"

"""GIVEN a frame with a page WHEN the finished page is made THEN it has the page's real
size, is upright, keeps its red seal, carries its codes, and the quality gate tells
the citizen what to fix (blur, glare, cut off, too small, not flat)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera import messages_zh as zh
from devices.camera import synthetic
from devices.camera.errors import PageRejected
from devices.camera.page_detect import detect_page
from devices.camera.page_make import make_page


def _finished(frame, **kwargs):
    detection = detect_page(frame)
    assert detection is not None, "the page must be found before it can be judged"
    return make_page(frame, detection, **kwargs)


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised correlation of two pages' grey levels at a common small size."""
    size = (120, int(120 * a.shape[0] / a.shape[1]))
    ga = cv2.resize(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA).astype(np.float32)
    gb = cv2.resize(cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA).astype(np.float32)
    ga -= ga.mean()
    gb -= gb.mean()
    return float((ga * gb).sum() / (np.linalg.norm(ga) * np.linalg.norm(gb) + 1e-9))


def test_sharp_a4_page_passes_at_its_real_size(make_scene, render):
    page = _finished(render(make_scene("dark_mat", "a4_text", seed=1)))
    assert page.ok, page.quality_problems
    assert page.page_class == "A4"
    assert page.size_px == (1654, 2339) and page.dpi == 200
    assert page.jpeg_bytes[:2] == b"\xff\xd8"
    decoded = cv2.imdecode(np.frombuffer(page.jpeg_bytes, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape[:2] == (2339, 1654)


@pytest.mark.parametrize("kind,expected_class,expected_size", [
    ("id_card", "ID-1", (1011, 638)),
    ("certificate", "A4", (2339, 1654)),
])
def test_page_class_comes_from_the_aspect_ratio(make_scene, render, kind, expected_class, expected_size):
    page = _finished(render(make_scene("coloured_mat", kind, seed=2)))
    assert page.page_class == expected_class
    assert page.size_px == expected_size


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_page_lying_turned_comes_out_upright(turned):
    """On a still (a quarter of the 12 MP still is enough for the text lines: every kind
    in every turn is tested in test_page_orient, the 12 MP figures are a bench)."""
    rng = np.random.default_rng(3)
    placed = synthetic.place_page(rng, "a4_text", 4 / 3, 0.9, angle_deg=float(turned) + 3, perspective=0.0)
    scene = synthetic.Scene(background="dark_mat", background_seed=1, noise=1.5).with_page("a4_text", placed, seed=1)
    page = _finished(synthetic.render_scene(scene, 2016, 1512), codes=False)
    original = synthetic.render_page("a4_text", scene.page_seed, 6.0)
    scores = {angle: _similarity(np.ascontiguousarray(np.rot90(page.image, -angle // 90)), original)
              for angle in (0, 180)}
    assert page.size_px == (1654, 2339)
    assert page.orientation_confident
    assert max(scores, key=scores.get) == 0, scores


def test_red_seal_stays_red(make_scene, render):
    page = _finished(render(make_scene("wood", "certificate", seed=3)))
    b, g, r = (page.image[..., i].astype(int) for i in range(3))
    red = (r > 150) & (r - g > 60) & (r - b > 60)
    assert red.sum() > 2000, "the seal lost its colour"
    assert page.mode == "document"


def test_qr_code_on_a_form_is_read_and_recorded(make_scene, render):
    scene = make_scene("dark_mat", "form", seed=4)
    page = _finished(render(scene))
    assert synthetic.page_qr_text("form", scene.page_seed) in [c.text for c in page.codes]
    assert "QXB" not in repr(page)  # code text may be personal: never in a repr


def test_blurred_page_is_rejected_with_the_blur_message(make_scene, render):
    scene = make_scene("dark_mat", "a4_text", seed=1, blur=3.0)
    page = _finished(render(scene))
    assert [p.code for p in page.quality_problems] == ["blurry"]
    assert page.quality_problems[0].message_zh == zh.BLURRY
    with pytest.raises(PageRejected) as raised:
        raise PageRejected(page.quality_problems)
    assert raised.value.message_zh == zh.BLURRY


def test_glare_asks_to_change_the_angle(make_scene, render):
    scene = make_scene("dark_mat", "a4_text", seed=1, glare=1.0, glare_at=(0.5, 0.35))
    page = _finished(render(scene))
    assert "glare" in [p.code for p in page.quality_problems]
    glare = next(p for p in page.quality_problems if p.code == "glare")
    assert glare.message_zh == "有反光，请调整角度"


def test_page_cut_off_by_the_frame_edge_is_rejected_first(make_scene, render):
    scene = make_scene("dark_mat", "a4_text", seed=4)
    cut = scene.with_page("a4_text", [(x - 0.3, y) for x, y in scene.corners])
    page = _finished(render(cut))
    assert page.quality_problems[0].code == "cut_off"
    assert page.quality_problems[0].message_zh == zh.CUT_OFF


def test_page_far_too_small_is_rejected(make_scene, render):
    scene = make_scene("dark_mat", "id_card", seed=2)
    rng = np.random.default_rng(1)
    tiny = scene.with_page("id_card", synthetic.place_page(rng, "id_card", 16 / 9, 0.14, angle_deg=3))
    page = _finished(render(tiny))
    assert "too_small" in [p.code for p in page.quality_problems]
    assert next(p for p in page.quality_problems if p.code == "too_small").message_zh == zh.TOO_SMALL


def test_strongly_curled_page_asks_to_lay_it_flat(make_scene, render):
    scene = make_scene("dark_mat", "a4_text", seed=1, curl=0.035)
    page = _finished(render(scene))
    assert page.quality_problems and page.quality_problems[0].message_zh == "请将材料放平"


def test_twelve_megapixel_still_gives_a_page_of_about_200_to_300_kb(make_scene, render):
    still = render(make_scene("dark_mat", "a4_text", seed=8, aspect=4 / 3), 4032, 3024)
    page = _finished(still)
    assert page.ok, page.quality_problems
    assert 150 * 1024 <= len(page.jpeg_bytes) <= 350 * 1024, len(page.jpeg_bytes) // 1024


def test_black_and_white_mode_gives_only_black_and_white(make_scene, render):
    page = _finished(render(make_scene("dark_mat", "a4_text", seed=1)), mode="bw")
    values = np.unique(page.image)
    assert page.mode == "bw" and set(values.tolist()) <= {0, 255}


def test_jpeg_header_carries_the_dpi(make_scene, render):
    page = _finished(render(make_scene("coloured_mat", "id_card", seed=2)))
    assert page.jpeg_bytes[6:11] == b"JFIF\x00"
    assert page.jpeg_bytes[13] == 1 and int.from_bytes(page.jpeg_bytes[14:16], "big") == 300


def test_a5_is_told_from_a4_only_when_the_platen_scale_is_known():
    from devices.camera.page_detect import Detection
    from devices.camera.page_make import classify_page

    # A 148 x 210 mm sheet seen by a camera whose frame spans 420 mm (4 px per mm).
    corners = np.array([[100, 100], [692, 100], [692, 940], [100, 940]], np.float32)
    detection = Detection(corners, 1.0, (1680, 1260))
    assert classify_page(detection, platen_width_mm=420).name == "A5"
    assert classify_page(detection).name == "A4"  # scale unknown: never guess A5
    a4_corners = np.array([[100, 100], [940, 100], [940, 1288], [100, 1288]], np.float32)
    assert classify_page(Detection(a4_corners, 1.0, (1680, 1400)), platen_width_mm=420).name == "A4"

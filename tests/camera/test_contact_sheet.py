"""A contact sheet of inputs and finished pages for a person to look at
(test-artifacts/camera/contact_sheet.jpg): the frame with the true outline (red) and
the detected one (green), beside the finished page and the gate's verdict."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from devices.camera import synthetic
from devices.camera.page_detect import PlatenReference, detect_page
from devices.camera.page_make import make_page

CASES = [
    ("dark_mat", "a4_text", {}),
    ("coloured_mat", "form", {}),
    ("wood", "id_copy", {}),
    ("white_desk", "certificate", {"seed": 22}),
    ("clutter", "id_card", {}),
    ("dark_mat", "slip", {}),
    ("wood", "a4_text", {"blur": 3.0}),
    ("coloured_mat", "certificate", {"glare": 1.0, "glare_at": (0.5, 0.4), "seed": 22}),
]
TILE_H = 300


def _label(tile: np.ndarray, lines: list[str]) -> np.ndarray:
    image = Image.fromarray(cv2.cvtColor(tile, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(image)
    path = synthetic._font_path()
    font = ImageFont.truetype(path, 16) if path else ImageFont.load_default()
    for i, text in enumerate(lines):
        draw.rectangle((0, i * 20, 8 + int(draw.textlength(text, font=font)), i * 20 + 19), fill=(255, 255, 255))
        draw.text((4, i * 20 + 1), text, fill=(0, 0, 160), font=font)
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


def _fit(image: np.ndarray, height: int) -> np.ndarray:
    width = int(image.shape[1] * height / image.shape[0])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def test_contact_sheet_of_inputs_and_finished_pages(make_scene, render, artifacts):
    rows = []
    for background, kind, changes in CASES:
        changes = dict(changes)
        seed = changes.pop("seed", 21)
        scene = make_scene(background, kind, seed=seed, aspect=4 / 3, **{"glare": 0.0, **changes})
        frame = render(scene, 2000, 1500)
        reference = PlatenReference(render(synthetic.empty_scene(scene), 2000, 1500))
        detection = detect_page(frame, reference)
        assert detection is not None, f"{background}/{kind}"
        truth = scene.corners_px(2000, 1500)
        iou = synthetic.quad_iou(detection.corners, truth)
        assert iou > 0.95, f"{background}/{kind}: IoU {iou:.3f}"
        page = make_page(frame, detection)
        shown = frame.copy()
        cv2.polylines(shown, [truth.astype(np.int32)], True, (0, 0, 255), 9)
        cv2.polylines(shown, [detection.corners.astype(np.int32)], True, (0, 220, 0), 4)
        verdict = "通过 ok" if page.ok else f"{page.quality_problems[0].message_zh} ({page.quality_problems[0].code})"
        left = _label(_fit(shown, TILE_H), [f"{background} / {kind}", f"IoU {iou:.3f}  conf {detection.confidence:.2f}"])
        right = _label(_fit(page.image, TILE_H), [f"{page.page_class} {page.size_px[0]}x{page.size_px[1]}",
                                                  f"{len(page.jpeg_bytes) // 1024} kB", verdict])
        rows.append(np.hstack([left, np.full((TILE_H, 8, 3), 255, np.uint8), right]))
        if changes.get("blur"):
            assert not page.ok and page.quality_problems[0].code == "blurry"
        elif changes.get("glare"):
            assert "glare" in [p.code for p in page.quality_problems]
        else:
            assert page.ok, f"{background}/{kind}: {page.quality_problems}"
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    half = (len(rows) + 1) // 2
    left_column, right_column = np.vstack(rows[:half]), np.vstack(rows[half:])
    right_column = np.pad(right_column, ((0, left_column.shape[0] - right_column.shape[0]), (0, 0), (0, 0)),
                          constant_values=255)
    sheet = np.hstack([left_column, np.full((left_column.shape[0], 16, 3), 255, np.uint8), right_column])
    path = artifacts("camera") / "contact_sheet.jpg"
    cv2.imwrite(str(path), sheet, [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert cv2.imread(str(path)).shape == sheet.shape

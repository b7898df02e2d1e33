"""GIVEN photos of the platen WHEN staff run `kiosk scan …` THEN they get the corners,
the finished page or the PDF — or a clear "no page" / Chinese error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest

from devices.camera import messages_zh as zh
from devices.camera import synthetic
from kiosk.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def photos(tmp_path, make_scene, render):
    scene = make_scene("wood", "form", seed=9, aspect=4 / 3)
    page = tmp_path / "page.jpg"
    empty = tmp_path / "empty.jpg"
    cv2.imwrite(str(page), render(scene, 2000, 1500))
    cv2.imwrite(str(empty), render(synthetic.empty_scene(scene), 2000, 1500))
    return {"page": page, "empty": empty, "truth": scene.corners_px(2000, 1500), "scene": scene}


def test_detect_prints_corners_as_json(photos, capsys):
    code = main(["scan", "detect", str(photos["page"]), "--reference", str(photos["empty"]), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    corners = np.array(out["page"]["corners"])
    assert np.abs(corners - photos["truth"]).max() < 0.01 * np.hypot(2000, 1500)
    assert 0.6 < out["page"]["confidence"] <= 1.0


def test_detect_on_an_empty_platen_says_no_page(photos, capsys):
    code = main(["scan", "detect", str(photos["empty"])])
    out = capsys.readouterr().out
    assert code == 2
    assert "no page" in out and zh.NO_PAGE in out


def test_page_writes_the_finished_jpeg_and_reports_its_code(photos, tmp_path, capsys):
    out_path = tmp_path / "out" / "page.jpg"
    code = main(["scan", "page", str(photos["page"]), "--out", str(out_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    image = cv2.imread(str(out_path))
    assert image.shape[:2] == (2339, 1654)
    assert report["page_class"] == "A4" and report["problems"] == []
    assert synthetic.page_qr_text("form", photos["scene"].page_seed) in [c["text"] for c in report["codes"]]


def test_page_of_an_unreadable_file_is_a_chinese_error(tmp_path, capsys):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    code = main(["scan", "page", str(bad), "--out", str(tmp_path / "x.jpg")])
    assert code == 1
    assert zh.IMAGE_UNREADABLE in capsys.readouterr().err
    assert not (tmp_path / "x.jpg").exists()


def test_pdf_command_bundles_pages_end_to_end(photos, tmp_path):
    """The installed program, run as staff would run it."""
    page_jpg = tmp_path / "p.jpg"
    run = [sys.executable, "-m", "kiosk"]
    first = subprocess.run(run + ["scan", "page", str(photos["page"]), "--out", str(page_jpg)],
                           capture_output=True, text=True, cwd=REPO, timeout=120)
    assert first.returncode == 0, first.stderr
    pdf_path = tmp_path / "bundle.pdf"
    second = subprocess.run(run + ["scan", "pdf", str(page_jpg), str(page_jpg), "--out", str(pdf_path)],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert second.returncode == 0, second.stderr
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == 2
        assert list(pdf.pages[0].get_images().values())[0].read_raw_bytes() == page_jpg.read_bytes()

"""GIVEN finished pages WHEN they are bundled THEN the PDF has one page per scan, keeps
the JPEG bytes exactly, gives each page its real size, and a failed write loses nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from devices.camera import messages_zh as zh
from devices.camera.bundle import bundle_pdf, save_page, write_file_atomic
from devices.camera.errors import ImageUnreadable, NothingToBundle, ScanSaveFailed
from devices.camera.page_detect import detect_page
from devices.camera.page_make import make_page

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ten_pages():
    from devices.camera import synthetic

    pages = []
    kinds = ("a4_text", "form", "id_copy", "certificate", "id_card")
    for i in range(10):
        rng = np.random.default_rng(100 + i)
        scene = synthetic.random_scene(rng, "dark_mat", aspect=4 / 3, page_kind=kinds[i % 5], hard=False)
        frame = synthetic.render_scene(scene, 1200, 900)
        # The bundle keeps JPEG bytes as they are; which way up they are is not its business.
        pages.append(make_page(frame, detect_page(frame), codes=False, upright_by_text=False))
    return pages


def test_ten_pages_make_a_ten_page_pdf_with_the_jpeg_bytes_untouched(ten_pages, tmp_path):
    path = bundle_pdf(ten_pages, tmp_path / "submission.pdf")

    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 10
        for page, finished in zip(pdf.pages, ten_pages):
            images = list(page.get_images().values())
            assert len(images) == 1
            stream = images[0]
            assert stream.Filter == pikepdf.Name.DCTDecode
            assert stream.read_raw_bytes() == finished.jpeg_bytes
            width_mm = float(page.mediabox[2]) / 72 * 25.4
            height_mm = float(page.mediabox[3]) / 72 * 25.4
            expected = {"A4": {210, 297}, "ID-1": {86, 54}}[finished.page_class]
            assert {round(width_mm), round(height_mm)} == expected


def test_pdf_from_jpeg_files_keeps_their_bytes(ten_pages, tmp_path):
    files = [save_page(page, tmp_path / "pages") for page in ten_pages[:3]]
    assert len({f.name for f in files}) == 3  # named by content hash
    path = bundle_pdf(files, tmp_path / "out.pdf")
    with pikepdf.open(path) as pdf:
        raw = [list(p.get_images().values())[0].read_raw_bytes() for p in pdf.pages]
    assert raw == [f.read_bytes() for f in files]


def test_no_pages_and_bad_files_are_refused_in_chinese(tmp_path):
    with pytest.raises(NothingToBundle) as nothing:
        bundle_pdf([], tmp_path / "x.pdf")
    assert nothing.value.message_zh == zh.NO_PAGES
    not_jpeg = tmp_path / "note.txt"
    not_jpeg.write_text("hello")
    with pytest.raises(ImageUnreadable):
        bundle_pdf([not_jpeg], tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_full_disk_keeps_the_earlier_pdf_and_says_so(ten_pages, tmp_path):
    good = bundle_pdf(ten_pages[:1], tmp_path / "submission.pdf")
    before = good.read_bytes()
    jpegs = tmp_path / "jpegs"
    paths = [save_page(p, jpegs) for p in ten_pages]
    # A child process whose files may not grow past 64 kB: writes fail like on a full disk.
    script = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        from devices.camera.bundle import bundle_pdf
        from devices.camera.errors import ScanSaveFailed
        try:
            bundle_pdf({[str(p) for p in paths]!r}, {str(good)!r})
        except ScanSaveFailed as exc:
            print("REFUSED", exc.message_zh, "|", exc.message_en)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "REFUSED " + zh.SAVE_FAILED in result.stdout, result.stderr
    assert good.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no half file left


def test_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ScanSaveFailed) as failed:
        write_file_atomic(blocker / "inside.pdf", b"%PDF")
    assert failed.value.message_zh == zh.SAVE_FAILED
    assert "inside.pdf" in failed.value.message_en

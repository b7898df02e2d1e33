"""GIVEN a file a staff member hands in as a page photo WHEN it is read THEN a real photo
comes back as pixels, and anything else — not an image, cut off, or a header that
promises a gigantic picture — is refused with a Chinese message BEFORE any decoder
allocates memory for it; `kiosk scan detect` prints that message and fails."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from devices.camera import messages_zh as zh
from devices.camera.errors import ImageTooLarge, ImageUnreadable, NotAnImage, ScanError
from devices.camera.image_input import image_size, read_page_image
from kiosk.cli import main


def _png_bomb(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few hundred bytes whose IHDR claims width x height."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # Zero rows compress to almost nothing: this is how a bomb stays small.
    idat = zlib.compress(b"\x00" * 100_000, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def photo(tmp_path, make_scene, render):
    path = tmp_path / "page.jpg"
    frame = render(make_scene("dark_mat", "a4_text", seed=1), 1280, 720)
    cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def test_a_normal_jpeg_is_read(photo):
    image = read_page_image(photo)
    assert image.shape == (720, 1280, 3) and image.dtype == np.uint8


def test_a_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("申请材料清单\n身份证 户口本\n", encoding="utf-8")
    with pytest.raises(NotAnImage) as raised:
        read_page_image(path)
    assert isinstance(raised.value, ScanError)
    assert raised.value.message_zh == "这个文件不是图片，请换一个文件"


def test_a_truncated_jpeg_is_unreadable(photo, tmp_path):
    data = photo.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageUnreadable) as raised:
        read_page_image(cut)
    assert raised.value.message_zh == zh.IMAGE_UNREADABLE


def test_a_60000_by_60000_pgm_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.pgm"
    # The header alone (plus a little data): decoding it would need 3.6 GB.
    path.write_bytes(b"P5\n# made by a scanner\n60000 60000\n255\n" + b"\x00" * 1024)
    assert image_size(path.read_bytes()) == ("pgm", 60000, 60000)
    with pytest.raises(ImageTooLarge) as raised:
        read_page_image(path)
    assert raised.value.message_zh == "图片太大，请缩小后再试"
    assert "60000x60000" in raised.value.message_en


def test_a_png_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_bomb(100_000, 100_000))
    assert path.stat().st_size < 2000
    with pytest.raises(ImageTooLarge):
        read_page_image(path)


def test_headers_of_common_formats_give_their_size(tmp_path):
    image = np.full((30, 50, 3), 200, np.uint8)
    for ext in (".png", ".jpg", ".bmp", ".ppm", ".tiff", ".webp"):
        ok, buffer = cv2.imencode(ext, image)
        assert ok
        kind, width, height = image_size(buffer.tobytes())
        assert (width, height) == (50, 30), ext


@pytest.mark.parametrize("content,expected", [
    (b"not an image at all", "这个文件不是图片，请换一个文件"),
    (b"P5\n60000 60000\n255\n" + b"\x00" * 64, "图片太大，请缩小后再试"),
])
def test_scan_detect_prints_the_chinese_message_and_fails(tmp_path, capsys, content, expected):
    path = tmp_path / "given.pgm"
    path.write_bytes(content)
    code = main(["scan", "detect", str(path)])
    err = capsys.readouterr().err
    assert code != 0
    assert expected in err and "Traceback" not in err


def test_scan_detect_refuses_a_png_bomb(tmp_path, capsys):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_bomb(60000, 60000))
    assert main(["scan", "detect", str(path)]) != 0
    assert "图片太大，请缩小后再试" in capsys.readouterr().err

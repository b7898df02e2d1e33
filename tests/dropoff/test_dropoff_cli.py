"""`kiosk dropoff …` as the 综合受理 window and scripts use it: the real command, the
hall's database and sealed files, exit codes and Chinese messages."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest

from dropoff_drafts import ID_NUMBER, MATTER, NAME, PHONE

KIOSK = [sys.executable, "-m", "kiosk"]
AT = ["--at", "2026-11-28T19:30"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Photographs of pages lying on a desk, as a phone or a flatbed at the counter gives them."""
    from devices.camera import synthetic

    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(7)
    paths = []
    for index, kind in enumerate(["a4_text", "form", "certificate"]):
        scene = synthetic.random_scene(rng, "dark_mat", aspect=4 / 3, page_kind=kind, hard=False)
        frame = synthetic.render_scene(scene, 1600, 1200)
        path = folder / f"page{index + 1}.{'png' if index == 1 else 'jpg'}"
        cv2.imwrite(str(path), frame)
        paths.append(str(path))
    return paths


def _submit(*pages: str, phone: str = PHONE) -> subprocess.CompletedProcess:
    return run("dropoff", "submit", "--matter", MATTER, "--page", *pages, "--id-number", ID_NUMBER.lower(),
               "--name", NAME, "--phone", phone, "--staff", "li", *AT, "--json")


def test_counter_submits_and_reviews_a_dropoff_through_the_command(photos, tmp_path):
    done = _submit(*photos)
    assert done.returncode == 0, done.stderr
    code = json.loads(done.stdout)["code"]
    assert json.loads(done.stdout)["pages"] == 3

    listed = json.loads(run("dropoff", "list", "--json").stdout)
    assert [d["code"] for d in listed] == [code]
    assert listed[0]["channel"] == "counter" and listed[0]["phone"] == "139****5678"
    shown = json.loads(run("dropoff", "show", code, "--staff", "li", "--json").stdout)
    assert shown["holder_name"] == NAME and shown["id_number"] != ID_NUMBER and shown["phone"] == PHONE
    assert [p["material"] for p in shown["pages"]] == ["身份证或社保卡、户口本", "《就（失）业登记表》", "照片"]
    # Pages with printed text: the camera was sure which way is up.
    assert [p["upright_sure"] for p in shown["pages"]] == [True, True, True]

    accepted = run("dropoff", "accept", code, "--staff", "li", "--at", "2026-11-30T09:00", "--json")
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["case_number"] == "QX202611300001"
    again = run("dropoff", "accept", code, "--staff", "li")
    assert again.returncode == 1 and "已受理" in again.stderr

    out = tmp_path / "case.pdf"
    exported = run("dropoff", "pdf", code, "--out", str(out), "--why", "转县人社局", "--staff", "li")
    assert exported.returncode == 0, exported.stderr
    assert out.read_bytes().startswith(b"%PDF")

    progress = run("dropoff", "progress", code.lower(), "--last4", ID_NUMBER[-4:], "--json")
    assert json.loads(progress.stdout)["status_zh"] == "已受理，正在办理"
    # Nothing said the ID number or the name in clear on the way.
    for result in (done, accepted, exported, progress):
        assert ID_NUMBER not in result.stdout + result.stderr


def _pgm_header_only(path, width, height):
    path.write_bytes(b"P5\n%d %d\n255\n" % (width, height) + b"\x00" * 64)


def _png_bomb(path, width, height):
    """A valid PNG signature and header claiming width x height, with a tiny compressed body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    body = zlib.compress(b"\x00" * (1 << 20), 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", body) + chunk(b"IEND", b""))


@pytest.mark.parametrize("bad", ["text", "huge_pgm", "png_bomb", "no_page"])
def test_a_file_that_is_not_a_usable_page_is_refused_in_chinese_and_nothing_is_stored(bad, photos, tmp_path):
    path = tmp_path / {"text": "notes.jpg", "huge_pgm": "scan.pgm", "png_bomb": "bomb.png", "no_page": "wall.png"}[bad]
    if bad == "text":
        path.write_text("这不是图片", encoding="utf-8")
    elif bad == "huge_pgm":
        _pgm_header_only(path, 60000, 60000)
    elif bad == "png_bomb":
        _png_bomb(path, 60000, 60000)
    else:
        cv2.imwrite(str(path), np.full((900, 1200, 3), 90, np.uint8))
    done = _submit(photos[0], str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    message = json.loads(done.stdout)["message_zh"]
    assert message.startswith(path.name + "：")
    assert len(message) > len(path.name) + 4
    assert json.loads(run("dropoff", "list", "--status", "all", "--json").stdout) == []


def test_a_phone_or_id_number_typed_wrong_is_refused_before_anything_is_read(photos):
    wrong_phone = _submit(photos[0], phone="1391234567")
    assert wrong_phone.returncode == 1 and "11位" in json.loads(wrong_phone.stdout)["message_zh"]
    wrong_id = run("dropoff", "submit", "--matter", MATTER, "--page", photos[0], "--id-number",
                   ID_NUMBER[:-1] + "5", "--phone", PHONE, "--json")
    assert wrong_id.returncode == 1 and "有一位不对" in json.loads(wrong_id.stdout)["message_zh"]

"""`kiosk idcard decode|read` and `kiosk sim idcard`, run as the citizen's staff would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from waiting import wait_until

from kiosk.cli import main
from kiosk.config import default_config_path

FIND = "AA AA AA 96 69 00 03 20 01 22"
FOUND = "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
READ = "AA AA AA 96 69 00 03 30 01 32"
NO_ADDRESS = "AA AA AA 96 69 00 04 00 00 91 95"
BAD_CHECKSUM = "AA AA AA 96 69 00 04 00 00 80 85"


def _capture(read_answer) -> str:
    """A hex capture as a person would paste it: comments, line breaks, junk, a cut-off frame."""
    read_hex = read_answer("resident").hex(" ")
    lines = [
        "# captured on the kiosk, 2026-11-27",
        FIND,
        "13 37",  # junk
        FOUND,
        READ,
        "\n".join(read_hex[i:i + 95] for i in range(0, len(read_hex), 96)),
        BAD_CHECKSUM,
        "AA AA AA 96 69 00 04 00",  # cut off at the end
    ]
    return "\n".join(lines) + "\n"


def test_decode_lists_every_frame_masked(tmp_path, read_answer, capsys):
    capture = tmp_path / "capture.hex"
    capture.write_text(_capture(read_answer))
    assert main(["idcard", "decode", str(capture)]) == 0
    out = capsys.readouterr().out
    assert "4 frames, 4 problems" in out
    assert "host->reader  20 01  find card" in out
    assert "SW3=9F  card found" in out
    assert "居民身份证 (resident)" in out
    assert "id_number: 9905**********0024" in out
    assert "name: 刘**" in out
    assert "valid_until: 长期" in out
    assert "junk bytes (no frame preamble): 2 bytes" in out
    assert "frame with a bad checksum" in out
    assert "incomplete frame: 8 bytes" in out
    assert "990521195106050024" not in out and "刘玉梅" not in out and "土沃村" not in out


def test_decode_reveal_and_json(tmp_path, read_answer, capsys):
    capture = tmp_path / "capture.bin"
    capture.write_bytes(bytes.fromhex(READ) + read_answer("foreign_2023") + bytes.fromhex(NO_ADDRESS))
    assert main(["idcard", "decode", str(capture), "--json", "--reveal"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["frames"], report["problems"]) == (3, 0)
    card = report["items"][1]["card"]
    assert card["card_type"] == "foreign_permanent_2023"
    assert card["id_number"] == "914643197901230018"
    assert card["english_name"] == "IVANOV, SERGEI"
    assert report["items"][1]["photo_bytes"] == 1024
    assert report["items"][2]["status"] == "field empty"


def test_decode_fingerprint_answer_reports_sizes_only(tmp_path, text_blocks, capsys):
    # A 30 10 answer (a vendor tool's capture): templates are counted, never decoded.
    fingerprints = bytes(1024)
    body = bytes.fromhex("00 00 90 01 00 04 00 04 00") + text_blocks["hmt"] + bytes(1024) + fingerprints
    covered = (len(body) + 1).to_bytes(2, "big") + body
    checksum = 0
    for byte in covered:
        checksum ^= byte
    capture = tmp_path / "fp.bin"
    capture.write_bytes(bytes.fromhex("AA AA AA 96 69") + covered + bytes([checksum]))
    assert len(capture.read_bytes()) == 2321
    assert main(["idcard", "decode", str(capture), "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]
    assert item["fingerprint_bytes"] == 1024
    assert item["card"]["id_number"] == "8300**********0015"


def test_decode_of_pure_junk_says_so(tmp_path, capsys):
    capture = tmp_path / "noise.bin"
    capture.write_bytes(bytes(range(0x30, 0x90)))
    assert main(["idcard", "decode", str(capture)]) == 3
    assert "junk bytes" in capsys.readouterr().out


def test_decode_missing_file_gives_a_clear_error(tmp_path, capsys):
    assert main(["idcard", "decode", str(tmp_path / "nope.hex")]) == 1
    err = capsys.readouterr().err
    assert "文件打不开" in err and "cannot read capture file" in err


def test_read_with_the_default_simulated_reader(capsys):
    assert main(["idcard", "read", "--place", "elderly", "--json", "--timeout", "10"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id_number"] == "9905**********0026"
    assert data["valid_until"] == "长期"
    assert data["age"] >= 78


def test_read_with_no_card_times_out_with_a_message(capsys):
    assert main(["idcard", "read", "--timeout", "1"]) == 1
    assert "没有读到证件" in capsys.readouterr().err


def test_simulator_command_serves_the_real_driver_over_a_pty(tmp_path):
    link = tmp_path / "ttyIDCARD"
    config = tmp_path / "hall.toml"
    text = default_config_path().read_text(encoding="utf-8")
    assert '[devices.idcard]\ndriver = "simulator"' in text
    config.write_text(text.replace('[devices.idcard]\ndriver = "simulator"',
                                   f'[devices.idcard]\ndriver = "serial"\nport = "{link}"'), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    simulator = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sim", "idcard", "--link", str(link)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        wait_until(link.exists, 10, 0.05, "the simulator to publish its pty")
        simulator.stdin.write("place hmt\n")
        simulator.stdin.flush()
        reader = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(config), "idcard", "read",
                                 "--json", "--timeout", "10"], capture_output=True, text=True, env=env, timeout=30)
        assert reader.returncode == 0, reader.stderr
        data = json.loads(reader.stdout)
        assert data["card_type_zh"] == "港澳台居民居住证"
        assert data["id_number"] == "8100**********0032"
        simulator.stdin.write("unplug\n")
        simulator.stdin.flush()
        wait_until(lambda: not link.exists(), 5, 0.05, "unplug to remove the pty link")
        simulator.stdin.write("replug\n")
        simulator.stdin.flush()
        wait_until(link.exists, 5, 0.05, "replug to publish the pty again")
        simulator.stdin.write("quit\n")
        simulator.stdin.flush()
        assert simulator.wait(timeout=5) == 0
        assert not link.exists(), "the pty link is removed when the simulator exits"
    finally:
        if simulator.poll() is None:
            simulator.kill()
            simulator.wait()


def test_simulator_rejects_an_unknown_holder(tmp_path):
    link = tmp_path / "ttyX"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "sim", "idcard", "--link", str(link)],
                            input="place nobody\nquit\n", capture_output=True, text=True, env=env, timeout=20)
    assert result.returncode == 0
    assert "no simulated holder 'nobody'" in result.stdout


@pytest.mark.parametrize("reveal", [False, True])
def test_read_reveal_flag(capsys, reveal):
    args = ["idcard", "read", "--place", "resident", "--timeout", "10"] + (["--reveal"] if reveal else [])
    assert main(args) == 0
    out = capsys.readouterr().out
    assert ("990521198507220032" in out) is reveal


def test_read_from_a_reader_that_is_not_there_says_so(tmp_path, capsys):
    config = tmp_path / "hall.toml"
    text = default_config_path().read_text(encoding="utf-8")
    config.write_text(text.replace('[devices.idcard]\ndriver = "simulator"',
                                   f'[devices.idcard]\ndriver = "serial"\nport = "{tmp_path / "ttyGONE"}"'),
                      encoding="utf-8")
    assert main(["--config", str(config), "idcard", "read", "--timeout", "1"]) == 1
    err = capsys.readouterr().err
    assert "读卡器没有连接" in err and "ttyGONE does not exist" in err


def test_simulator_with_a_broken_holders_file(tmp_path, capsys):
    holders = tmp_path / "holders.json"
    holders.write_text('{"holders": [{"key": "x", "card_type": "resident"}]}', encoding="utf-8")
    assert main(["sim", "idcard", "--link", str(tmp_path / "tty"), "--holders", str(holders)]) == 1
    err = capsys.readouterr().err
    assert "模拟证件名单文件有误" in err and "holders.json" in err


def test_simulator_never_replaces_a_real_file(tmp_path, capsys):
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me", encoding="utf-8")
    assert main(["sim", "idcard", "--link", str(precious)]) == 1
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert "模拟读卡器无法启动" in capsys.readouterr().err


def test_simulator_link_in_a_missing_folder(tmp_path, capsys):
    assert main(["sim", "idcard", "--link", str(tmp_path / "no" / "such" / "tty")]) == 1
    assert "cannot publish the simulated reader" in capsys.readouterr().err

"""Finding the reader's port (path or USB VID:PID) and the [devices.idcard] settings checks."""

from __future__ import annotations

import pytest
from serial.tools.list_ports_common import ListPortInfo

from devices.idcard.errors import ReaderNotFound
from devices.idcard.link import format_sam_id, resolve_port
from devices.idcard.settings import IdCardSettings
from devices.base.errors import ConfigError
from devices.base.settings_schema import build


def _port(device: str, vid: int | None, pid: int | None) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid = vid, pid
    return info


PORTS = [
    _port("/dev/ttyS0", None, None),
    _port("/dev/ttyUSB1", 0x1A86, 0x7523),  # CH340 (e.g. the printer)
    _port("/dev/ttyUSB0", 0x10C4, 0xEA60),  # CP2102 bridge of the card reader
]


def test_port_found_by_vid_pid():
    settings = IdCardSettings(driver="serial", vid_pid="10c4:EA60")
    assert resolve_port(settings, list_ports=lambda: PORTS) == "/dev/ttyUSB0"


def test_missing_usb_device_is_a_clear_error():
    settings = IdCardSettings(driver="serial", vid_pid="0403:6001")
    with pytest.raises(ReaderNotFound) as caught:
        resolve_port(settings, list_ports=lambda: PORTS)
    assert "0403:6001" in caught.value.message_en
    assert caught.value.message_zh == "找不到读卡器，请检查连接线"


def test_explicit_path_wins_and_must_exist(tmp_path):
    device = tmp_path / "ttyREADER"
    device.touch()
    settings = IdCardSettings(driver="serial", port=str(device), vid_pid="10c4:ea60")
    assert resolve_port(settings, list_ports=lambda: PORTS) == str(device)
    with pytest.raises(ReaderNotFound, match="does not exist"):
        resolve_port(IdCardSettings(driver="serial", port=str(tmp_path / "gone")), list_ports=lambda: PORTS)


def test_neither_port_nor_vid_pid():
    with pytest.raises(ReaderNotFound, match="neither"):
        resolve_port(IdCardSettings(driver="serial"), list_ports=lambda: PORTS)


@pytest.mark.parametrize("raw, key", [
    ({"poll_interval_ms": 100}, "devices.idcard.poll_interval_ms"),
    ({"baud_rates": []}, "devices.idcard.baud_rates"),
    ({"vid_pid": "10c4-ea60"}, "devices.idcard.vid_pid"),
    ({"vid_pid": "xyzw:ea60"}, "devices.idcard.vid_pid"),
    ({"baud_rates": [115200, 12345]}, "devices.idcard.baud_rates"),
    ({"dedupe_seconds": -1}, "devices.idcard.dedupe_seconds"),
    # The simulator's own faster polling never reaches a real reader, nor lowers its floor.
    ({"driver": "serial", "port": "/dev/ttyUSB0", "simulator_poll_interval_ms": 50},
     "devices.idcard.simulator_poll_interval_ms"),
    ({"simulator_poll_interval_ms": 5}, "devices.idcard.simulator_poll_interval_ms"),
    ({"simulator_poll_interval_ms": 50, "poll_interval_ms": 100}, "devices.idcard.poll_interval_ms"),
])
def test_bad_settings_name_the_key(raw, key):
    with pytest.raises(ConfigError) as caught:
        build(IdCardSettings, raw, "hall.toml", "devices.idcard")
    assert caught.value.key == key


def test_default_hall_uses_the_simulator(settings):
    idcard = settings.devices.idcard
    assert idcard.driver == "simulator"
    assert idcard.baud_rates == (115200, 9600)
    assert idcard.poll_interval_ms >= 300


def test_only_the_simulator_is_polled_faster_than_the_hardware_floor():
    fast_simulator = build(IdCardSettings, {"driver": "simulator", "simulator_poll_interval_ms": 50},
                           "hall.toml", "devices.idcard")
    assert fast_simulator.poll_seconds == 0.05
    assert build(IdCardSettings, {"driver": "simulator"}, "hall.toml", "devices.idcard").poll_seconds == 0.3
    serial_reader = build(IdCardSettings, {"driver": "serial", "port": "/dev/ttyUSB0", "poll_interval_ms": 500},
                          "hall.toml", "devices.idcard")
    assert serial_reader.poll_seconds == 0.5


def test_sam_id_format_pads_to_ten_digits():
    data = bytes([5, 0, 1, 0]) + (20260101).to_bytes(4, "little") + (1).to_bytes(4, "little") + (42).to_bytes(4, "little")
    assert format_sam_id(data) == "05.01-20260101-0000000001-0000000042"


def test_loading_the_config_pulls_in_no_serial_code():
    import subprocess
    import sys

    code = ("import sys, devices.idcard, devices.idcard.settings, kiosk.config; kiosk.config.load_settings(); "
            "print(sorted(m for m in ('serial', 'devices.idcard.service', 'devices.idcard.link') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_late_read_answer_is_not_taken_for_the_find_answer(read_answer):
    import os
    import threading
    import tty

    from devices.idcard.link import SamLink

    # GIVEN a module that still sends the 1295-byte answer to a read the driver gave up
    # on, right after the driver's next find command, and then the find answer
    master, slave = os.openpty()
    tty.setraw(slave)
    find_command = bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")
    find_answer = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")

    def module() -> None:
        received = b""
        while find_command not in received:
            received += os.read(master, 64)
        os.write(master, read_answer("resident") + find_answer)

    thread = threading.Thread(target=module, daemon=True)
    thread.start()
    link = SamLink(os.ttyname(slave), 115200)
    try:
        # WHEN the driver sends find
        answer = link.transact((0x20, 0x01))
    finally:
        link.close()
        thread.join(5)
        os.close(master)
        os.close(slave)
    # THEN the answer is the find answer, not the stale read (SW3 90 with the card text)
    assert (answer.sw3, answer.data) == (0x9F, bytes(4))

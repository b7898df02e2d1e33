"""Staff access: no PIN ships; whoever installs the box sets one at its terminal; it is
stored as a salted scrypt hash (mode 0600, outside the settings file); wrong tries
lock it for a growing time that survives a restart and raises a staff alert."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import stat

import pytest

from devices.base.clock import HALL_TZ, ManualClock
from devices.base.errors import ConfigError
from kiosk import texts_zh
from kiosk.config import default_config_path, load_settings
from kiosk.root.hall import open_hall
from kiosk.services.staff_access import PinRejected, lockout_seconds

FRIDAY_MORNING = dt.datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)
PIN = "246810"


@pytest.fixture
def clock():
    return ManualClock(FRIDAY_MORNING)


@pytest.fixture
def open_the_hall(settings, clock):
    """open_the_hall() -> a Hall on the test's data directory; a second call is a restart."""
    opened = []

    def open_() -> object:
        hall = open_hall(settings, clock)
        opened.append(hall)
        return hall

    yield open_
    for hall in opened:
        hall.close()


def wrong(hall, times: int):
    return [hall.staff_access.check("975318") for _ in range(times)][-1]


def test_the_shipped_settings_hold_no_staff_pin_and_2580_opens_nothing(open_the_hall):
    assert "staff_pin" not in default_config_path().read_text(encoding="utf-8")
    assert not hasattr(load_settings().kiosk, "staff_pin")
    hall = open_the_hall()
    assert not hall.staff_access.is_configured()
    result = hall.staff_access.check("2580")
    assert not result.ok
    assert result.message_zh == texts_zh.STAFF_PIN_NOT_SET == \
        "还没有设置工作人员密码。请管理员在本机终端运行：\nkiosk staff set-pin"


def test_a_settings_file_that_still_has_a_staff_pin_says_to_run_set_pin(tmp_path):
    text = default_config_path().read_text(encoding="utf-8").replace("[kiosk]\n", '[kiosk]\nstaff_pin = "2580"\n', 1)
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == "kiosk.staff_pin"
    assert "kiosk staff set-pin" in caught.value.fix
    assert "plain text" in caught.value.problem


def test_the_stored_file_holds_a_salted_hash_no_pin_and_is_private(open_the_hall, settings):
    hall = open_the_hall()
    path = hall.staff_access.set_pin(PIN)
    assert path.parent == settings.data_dir and path != settings.source
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert PIN not in text
    first = json.loads(text)
    assert (first["scheme"], first["n"], first["r"], first["p"]) == ("scrypt", 2**14, 8, 1)
    hall.staff_access.set_pin(PIN)
    second = json.loads(path.read_text(encoding="utf-8"))
    assert second["salt"] != first["salt"] and second["hash"] != first["hash"]  # salted
    assert hall.staff_access.is_configured()
    assert hall.staff_access.check(PIN).ok
    assert not hall.staff_access.check("864201").ok


def test_the_right_pin_opens_the_staff_corner(open_the_hall):
    # How long a check takes (scrypt) is measured in bench/staff_access_bench.py, not here:
    # a timed assertion fails on a loaded box and proves nothing a citizen would notice.
    hall = open_the_hall()
    hall.staff_access.set_pin(PIN)
    assert hall.staff_access.check(PIN).ok


@pytest.mark.parametrize("pin", ["000000", "123456", "654321", "890123", "12345", "121212", "123123", "111222",
                                 "147258", "12a456", "1234567890123"])
def test_short_or_easy_to_guess_pins_are_refused(open_the_hall, pin):
    hall = open_the_hall()
    with pytest.raises(PinRejected) as caught:
        hall.staff_access.set_pin(pin)
    assert caught.value.message_zh.startswith("这个密码不能用")
    assert not hall.staff_access.is_configured()


def test_five_wrong_tries_lock_even_the_right_pin_and_the_lockout_grows(open_the_hall, clock):
    hall = open_the_hall()
    hall.staff_access.set_pin(PIN)
    fourth = wrong(hall, 4)
    assert not fourth.ok and fourth.locked_until is None and "再错1次" in fourth.message_zh
    fifth = wrong(hall, 1)
    assert fifth.locked_until == clock.now() + dt.timedelta(seconds=30)
    assert fifth.message_zh == "密码输错次数太多，已暂时锁定。请等30秒后再试"

    sixth = hall.staff_access.check(PIN)  # the right PIN, while locked
    assert not sixth.ok and sixth.locked_until == fifth.locked_until

    clock.advance(seconds=31)
    assert wrong(hall, 1).locked_until == clock.now() + dt.timedelta(seconds=60)
    clock.advance(seconds=61)
    assert wrong(hall, 1).locked_until == clock.now() + dt.timedelta(seconds=120)
    clock.advance(seconds=121)
    locked = wrong(hall, 1)
    assert locked.message_zh == "密码输错次数太多，已暂时锁定。请等4分钟后再试"
    for _ in range(4):
        clock.advance(minutes=16)
        locked = wrong(hall, 1)
    assert locked.locked_until == clock.now() + dt.timedelta(minutes=15)  # capped

    clock.advance(minutes=16)
    assert hall.staff_access.check(PIN).ok
    assert wrong(hall, 1).locked_until is None  # a login starts the count again


def test_lockout_seconds_double_from_thirty_and_stop_at_fifteen_minutes():
    assert [lockout_seconds(n) for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]
    assert lockout_seconds(10_000) == 900


def test_the_lockout_survives_a_restart(open_the_hall, clock):
    hall = open_the_hall()
    hall.staff_access.set_pin(PIN)
    locked_until = wrong(hall, 5).locked_until
    hall.close()

    restarted = open_the_hall()
    assert restarted.staff_access.state().locked_until == locked_until
    assert not restarted.staff_access.check(PIN).ok
    clock.advance(seconds=31)
    assert restarted.staff_access.check(PIN).ok


def test_a_lockout_is_logged_without_the_pin_and_raised_as_a_staff_alert(open_the_hall, caplog):
    hall = open_the_hall()
    hall.staff_access.set_pin(PIN)
    caplog.set_level(logging.INFO)
    hall.staff_access.check("975318")
    wrong(hall, 4)
    hall.staff_access.check(PIN)
    assert "975318" not in caplog.text and PIN not in caplog.text
    assert "staff PIN locked for 30 s" in caplog.text
    [alert] = hall.alerts.open_alerts()
    assert (alert.source, alert.code, alert.level) == ("staff", "pin_locked_out", "warning")
    assert alert.message_zh == "工作人员密码连续输错5次，已锁定到09:00:30"

    hall.clock.advance(seconds=30)
    login = hall.staff_access.check(PIN)
    assert login.ok and login.message_zh == "登录前有人连续输错密码5次，请留意"
    assert hall.alerts.open_alerts() == []
    with hall.store.read() as conn:
        kinds = [row[0] for row in conn.execute("SELECT kind FROM events WHERE kind LIKE 'staff%' ORDER BY id")]
    assert kinds == ["staff_pin_set"] + ["staff_pin_wrong"] * 5 + ["staff_login"]


def test_a_damaged_staff_file_keeps_the_panel_closed(open_the_hall, settings):
    hall = open_the_hall()
    hall.staff_access.set_pin(PIN)
    hall.staff_access.path.write_text('{"scheme": "scrypt", "n": 3}', encoding="utf-8")
    result = hall.staff_access.check(PIN)
    assert not result.ok and result.message_zh == texts_zh.STAFF_PIN_FILE_BROKEN


def test_kiosk_staff_set_pin_from_stdin_end_to_end(monkeypatch, capsys, settings, clock):
    from kiosk.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("123456\n"))
    assert main(["staff", "set-pin", "--pin-stdin"]) == 1
    assert "这个密码不能用" in capsys.readouterr().err

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PIN}\n"))
    assert main(["staff", "set-pin", "--pin-stdin"]) == 0
    out = capsys.readouterr().out
    path = settings.data_dir / "staff_access.json"
    assert str(path) in out and PIN not in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    hall = open_hall(settings, clock)
    try:
        assert hall.staff_access.check(PIN).ok
    finally:
        hall.close()
    assert main(["staff", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["configured"] is True


def test_set_pin_at_the_terminal_asks_twice_without_echo(monkeypatch, capsys, settings):
    from kiosk.cli import main

    answers = iter([PIN, "246811"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["staff", "set-pin"]) == 1
    assert "两次输入的密码不一样" in capsys.readouterr().err
    assert not (settings.data_dir / "staff_access.json").exists()

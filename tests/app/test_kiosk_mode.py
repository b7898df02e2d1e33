"""Kiosk behaviour: recovers from errors by itself, cannot be closed by a citizen,
tells systemd it is alive from the UI loop, and the staff corner behind the PIN."""

from __future__ import annotations

import socket

import pytest
from waiting import wait_until

import datetime as dt

CLOSED_MOMENT = dt.datetime(2026, 11, 28, 10, 0)  # a Saturday

from screens import texts_zh as zh

pytestmark = pytest.mark.ui


def pump_like_mainloop(frames: int) -> None:
    """EventLoop.idle() plus the ExceptionManager step that only mainloop() applies."""
    from kivy.base import EventLoop, ExceptionManager

    for _ in range(frames):
        try:
            EventLoop.idle()
        except BaseException as inst:  # what kivy.base.EventLoop.mainloop does
            if ExceptionManager.handle_exception(inst) == ExceptionManager.RAISE:
                raise


def test_an_error_in_the_ui_loop_wipes_the_session_and_returns_home(kiosk, ui):
    from kivy.clock import Clock

    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("resident")
    assert kiosk.app.session.has_card

    def broken(_dt):
        raise RuntimeError("a bug in some callback")

    Clock.schedule_once(broken, 0)
    pump_like_mainloop(5)
    assert kiosk.current == "home"
    assert kiosk.app.session.is_empty
    assert kiosk.screen("queue").holder_text == ""
    assert kiosk.screen("home").message == zh.SOMETHING_WRONG
    assert kiosk.app.errors_recovered == 1
    # …and the kiosk still works afterwards.
    ui.tap(kiosk.screen("home").ids.take_number)
    assert kiosk.current == "card"


def test_escape_and_window_close_do_not_leave_the_kiosk(kiosk, ui):
    from kivy.core.window import Window

    kiosk.app.kiosk_mode = True
    ui.tap(kiosk.screen("home").ids.take_number)
    assert Window.dispatch("on_key_down", 27, 9, None, []) is True
    assert kiosk.app._request_close() is True
    ui.pump(2)
    assert kiosk.current == "card"


def test_watchdog_pings_come_from_the_ui_loop(start_kiosk, ui, monkeypatch, tmp_path):
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(0.05)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # ping every 0.5 s
    kiosk = start_kiosk()
    messages = []

    def ready_and_two_pings() -> bool:
        ui.pump(1)
        try:
            messages.append(receiver.recv(100).decode())
        except socket.timeout:
            pass
        return "READY=1" in messages and messages.count("WATCHDOG=1") >= 2

    wait_until(ready_and_two_pings, 5, 0, "READY=1 and two watchdog pings")
    receiver.close()
    assert "READY=1" in messages
    assert messages.count("WATCHDOG=1") >= 2
    assert kiosk.current == "home"


STAFF_PIN = "246810"


def open_pin_screen(kiosk, ui):
    """The staff gesture (its own test counts the taps): more taps if a loaded machine let
    the first ones age out of the four-second window."""
    brand = kiosk.screen("home").ids.top.ids.brand
    for _ in range(20):
        if kiosk.current == "staff_pin":
            break
        # No frames drawn after each release: on a machine loaded by other work a drawn
        # frame can take most of a second, and five taps must fit in four seconds.
        ui.tap(brand, frames=0)
    ui.wait_until(lambda: kiosk.current == "staff_pin", 5, "the staff PIN screen")
    return kiosk.screen("staff_pin")


def type_pin(ui, pin_screen, pin: str) -> None:
    keys = {b.text: b for b in pin_screen.ids.keypad.children}
    for digit in pin:
        ui.tap(keys[digit], frames=1)
    ui.tap(keys[zh.KEY_OK])


def test_with_no_pin_set_the_staff_panel_stays_closed_and_says_how_to_set_one(kiosk, ui):
    from kiosk import texts_zh as core_zh

    assert not kiosk.runtime.staff_access.is_configured()  # nothing ships: no 2580
    pin_screen = open_pin_screen(kiosk, ui)
    assert pin_screen.closed and pin_screen.ids.keypad.disabled
    assert pin_screen.problem == core_zh.STAFF_PIN_NOT_SET
    assert "kiosk staff set-pin" in pin_screen.ids.problem.text
    type_pin(ui, pin_screen, "2580")  # the keys do nothing
    pin_screen.submit("2580")  # nor does a PIN that reaches the screen some other way
    kiosk.app.staff_login("2580")  # nor the app's own call
    ui.settle()
    assert kiosk.current == "staff_pin" and pin_screen.ids.keypad.value == ""


def test_five_wrong_pins_lock_the_staff_panel_even_for_the_right_pin(kiosk, ui):
    kiosk.runtime.staff_access.set_pin(STAFF_PIN)
    pin_screen = open_pin_screen(kiosk, ui)
    assert not pin_screen.closed
    for _ in range(5):
        type_pin(ui, pin_screen, "2580")
    assert pin_screen.problem == "密码输错次数太多，已暂时锁定。请等30秒后再试"
    type_pin(ui, pin_screen, STAFF_PIN)
    assert kiosk.current == "staff_pin" and pin_screen.problem.startswith("密码输错次数太多")
    assert [a.code for a in kiosk.runtime.alerts.open_alerts()] == ["pin_locked_out"]

    kiosk.runtime.clock.advance(seconds=31)
    type_pin(ui, pin_screen, STAFF_PIN)
    assert kiosk.current == "staff"
    assert kiosk.screen("staff").action_text == "登录前有人连续输错密码5次，请留意"


def test_staff_corner_needs_the_pin_and_checks_the_devices(kiosk, ui):
    from screens.registry import SCREENS

    kiosk.runtime.staff_access.set_pin(STAFF_PIN)  # as `kiosk staff set-pin` does at install
    # The gesture is five taps within 4 s: let start-up (the screens built one per frame
    # after the first, the camera probe) finish first, so slow frames do not eat the window.
    ui.wait_until(lambda: all(kiosk.app.manager.has_screen(name) for name in SCREENS), 20, "every screen built")
    ui.wait_until(lambda: kiosk.runtime.features.dropoff and not kiosk.runtime.camera_running, 10, "the camera probe")
    home = kiosk.screen("home")
    brand = home.ids.top.ids.brand
    for _ in range(4):
        ui.tap(brand)
    assert kiosk.current == "home"  # four taps are not enough
    ui.tap(brand)
    assert kiosk.current == "staff_pin"

    pin_screen = kiosk.screen("staff_pin")
    keypad = pin_screen.ids.keypad
    keys = {b.text: b for b in keypad.children}
    for digit in "1111":
        ui.tap(keys[digit])
    assert pin_screen.ids.dots.text == "●●●●"
    ui.tap(keys[zh.KEY_OK])
    assert kiosk.current == "staff_pin" and pin_screen.problem == "密码不对，请重新输入（再错4次将暂时锁定）"
    assert keypad.value == ""
    for digit in "2580":  # the PIN that used to ship
        ui.tap(keys[digit])
    ui.tap(keys[zh.KEY_OK])
    assert kiosk.current == "staff_pin"
    for digit in STAFF_PIN:
        ui.tap(keys[digit])
    ui.tap(keys[zh.KEY_OK])
    assert kiosk.current == "staff"

    staff = kiosk.screen("staff")
    ui.wait_until(lambda: not staff.device_lines[0].startswith(zh.STAFF_CHECKING), 10, "the device check")
    assert staff.device_lines[0].startswith("身份证读卡器：正常")
    assert staff.device_lines[1] == "号票打印机：正常（打印机正常）"
    jobs_before = len(kiosk.printer.jobs)
    ui.tap(staff.ids.test_print)
    ui.wait_until(lambda: len(kiosk.printer.jobs) > jobs_before, 8, "the test print")
    ui.tap(staff.ids.test_read)
    assert staff.action_text == zh.STAFF_TEST_READ_HINT
    kiosk.place_card("elderly", wait_for=None)
    ui.wait_until(lambda: staff.action_text.startswith("读卡正常"), 6, "the test read")
    assert staff.action_text == zh.STAFF_TEST_READ_OK.format(name="张**", id="9905**********0026")
    assert kiosk.current == "staff" and kiosk.app.session.is_empty


def test_digit_keypad_types_id_numbers_with_x_and_limits_length(kiosk, ui):
    from kivy.uix.floatlayout import FloatLayout

    from screens.fonts import FONT_NAME
    from screens.widgets import DigitKeypad

    keypad = DigitKeypad(cols=3, allow_x=True, max_length=18, size_hint=(None, None), size=(600, 700),
                         pos=(100, 100))
    holder = FloatLayout()
    holder.add_widget(keypad)
    kiosk.app.root.add_widget(holder)
    ui.pump(3)
    try:
        keys = {b.text: b for b in keypad.children}
        assert set(keys) == {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X", zh.KEY_DELETE, zh.KEY_OK}
        assert all(b.font_name == FONT_NAME for b in keypad.children)
        for char in "99052119480315002X9":
            ui.tap(keys[char], frames=1)
        assert keypad.value == "99052119480315002X"  # the 19th key is ignored
        ui.tap(keys[zh.KEY_DELETE])
        assert keypad.value == "99052119480315002"
    finally:
        kiosk.app.root.remove_widget(holder)


def test_home_rotates_the_hall_notices_and_shows_people_waiting_and_who_is_served(start_kiosk, ui, monkeypatch):
    import screens.home

    monkeypatch.setattr(screens.home, "NOTICE_SECONDS", 0.3)
    kiosk = start_kiosk()
    kiosk.go("card")
    kiosk.go("home")  # re-enter Home so the faster rotation applies
    home = kiosk.screen("home")
    # The hall's own notices, plus the drop-off's once it is on (the simulated camera works).
    ui.wait_until(lambda: kiosk.runtime.features.dropoff, 10, "the camera probe")
    notices = kiosk.runtime.features.notices(kiosk.app.settings.kiosk)
    seen = {home.notice}

    def every_notice_shown() -> bool:
        ui.pump(1)
        seen.add(home.ids.notice.text)
        return len(seen) >= len(notices)

    wait_until(every_notice_shown, 5, 0, "every notice on Home")
    assert seen == set(notices)
    # The drop-off notice only while the kiosk can take drop-offs (it can: the simulated camera works).
    assert any("投递" in notice for notice in seen) is kiosk.runtime.features.dropoff is True
    assert home.waiting_lines == ["综合受理：0人在等", "综合出件：0人在等", "咨询服务：0人在等"]
    kiosk.runtime.tickets.take_number("A")  # another kiosk or the counter issued a ticket
    home.refresh()
    ui.settle()
    assert "综合受理：1人在等" in home.ids.waiting_lines.text
    assert home.ids.serving_lines.text == "1号窗口：等待叫号\n2号窗口：等待叫号\n3号窗口：等待叫号"
    kiosk.runtime.engine.call_next(2)  # the counter calls A001 to window 2
    kiosk.runtime.engine.pause_window(3)
    home.refresh()
    ui.settle()
    assert home.ids.serving_lines.text == "1号窗口：等待叫号\n2号窗口：A001\n3号窗口：暂停服务"
    assert "综合受理：0人在等" in home.ids.waiting_lines.text


def test_after_hours_the_windows_are_shown_resting_not_waiting_to_call(start_kiosk, ui):
    import datetime as dt

    # GIVEN a Friday at 17:20: issuing has stopped, one citizen still waits for 综合受理
    kiosk = start_kiosk(moment=dt.datetime(2026, 11, 27, 17, 20))
    home = kiosk.screen("home")
    ui.settle()
    assert home.ids.serving_lines.text == "1号窗口：休息中\n2号窗口：休息中\n3号窗口：休息中"
    kiosk.runtime.engine.enforce_hours = False
    kiosk.runtime.tickets.take_number("A")  # drawn at the counter before closing
    home.refresh()
    ui.settle()
    # THEN the windows serving 综合受理 may still call; the one that does not is resting
    lines = home.ids.serving_lines.text.split("\n")
    served_a = {w.number for w in kiosk.app.settings.windows if "A" in w.queues}
    for window, line in zip(kiosk.app.settings.windows, lines):
        assert line.endswith("等待叫号" if window.number in served_a else "休息中"), line


def test_the_running_kiosk_purges_expired_personal_data_by_itself(kiosk, ui):
    ui.wait_until(lambda: kiosk.runtime.maintenance.last_purged_day is not None, 5, "the start-up retention purge")
    with kiosk.runtime.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'retention_purge'").fetchone()[0] == 1


def test_a_card_laid_after_hours_is_answered_on_screen_and_aloud(start_kiosk, ui):
    from screens import texts_zh as zh

    # GIVEN Saturday morning, nobody in the hall
    kiosk = start_kiosk(moment=CLOSED_MOMENT)
    home = kiosk.screen("home")
    guides = home.ids.guides
    guides_before = (tuple(guides.to_window(*guides.pos)), tuple(guides.size))
    # WHEN a villager lays her card on the reader
    kiosk.place_card("elderly", wait_for=None)
    ui.wait_until(lambda: home.message != "", 6, "the answer to the card")
    ui.pump(3)
    # THEN Home says when the hall takes numbers again and what can be done now, and speaks it
    assert kiosk.current == "home"
    assert home.message.startswith("现在不是办公时间，请在11月30日（周一）8:30以后再来取号")
    assert "办事指南" in home.message
    assert home.message in kiosk.app.voice.spoken
    assert kiosk.app.session.is_empty  # nothing of her is kept
    # The answer is shown over the top of the screen: 办事指南 has not moved under her finger
    # (it once pushed every tile down, and back up 12 s later), and a tap on it still works.
    assert (tuple(guides.to_window(*guides.pos)), tuple(guides.size)) == guides_before
    banner = home.ids.message_banner
    assert banner.opacity == 1 and banner.get_root_window() is not None
    ui.tap(guides)
    assert kiosk.current == "guides"

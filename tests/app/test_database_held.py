"""Another process holds the hall database's write lock while a citizen takes a number.

A counter PC's backup, a second kiosk or a stuck script can hold SQLite's write
lock. The screen must keep answering (请稍候, taps work) and the citizen must end
with exactly one number shown, or a clear message and no number at all.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from held_database import hold_write_lock as hold_write_lock_on

from screens import texts_zh as zh

pytestmark = pytest.mark.ui



def hold_write_lock(kiosk, seconds: float) -> subprocess.Popen:
    return hold_write_lock_on(kiosk.runtime.store.path, seconds)


def press(widget, ui) -> None:
    """A tap that does not wait for the app's service calls to answer (they are stuck on purpose)."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    ui.pump(1)
    touch.touch_up()
    ui.pump(2)


def pump_for(seconds: float, ui) -> float:
    """Run the UI loop for `seconds`; returns the longest single frame (a frozen screen shows here)."""
    longest = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        ui.pump(1)
        longest = max(longest, time.monotonic() - started)
        time.sleep(0.01)
    return longest


def to_queue_screen(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    assert kiosk.current == "queue"
    return kiosk.screen("queue")


def test_a_number_taken_while_another_process_holds_the_database_for_10_s(kiosk, ui):
    queue_screen = to_queue_screen(kiosk, ui)
    holder = hold_write_lock(kiosk, 10)
    try:
        # WHEN the citizen taps 综合受理 while the database is held
        press(queue_screen.queue_button("A"), ui)

        # THEN within a moment the screen says 请稍候, and the kiosk keeps answering:
        longest = pump_for(1.0, ui)
        assert queue_screen.please_wait == zh.QUEUE_PLEASE_WAIT
        assert queue_screen.ids.please_wait.opacity == 1
        assert kiosk.current == "queue"
        # a second tap draws nothing more (the buttons are held while a number is drawn)
        assert queue_screen.queue_button("A").disabled
        press(queue_screen.queue_button("A"), ui)
        press(queue_screen.queue_button("B"), ui)
        # the elderly-mode switch still answers (a real tap on the UI thread)
        kiosk.app.toggle_elderly()
        ui.pump(2)
        assert kiosk.app.theme.elderly
        longest = max(longest, pump_for(3.0, ui))
        # A blocked UI thread would stall for the whole 10 s hold. The bound leaves room for a
        # CI box's scheduling (0.72 s was seen at a load of 15); the tap's response time
        # while the database is held is measured in bench/app_bench.py (p95 < 100 ms).
        assert longest < 1.0, f"the UI loop stalled for {longest:.2f} s while the database was held"
        assert holder.poll() is None, "the lock was released too early for this test to mean anything"
    finally:
        holder.wait(timeout=20)

    # WHEN the other process lets go THEN exactly one number is drawn and shown
    ui.wait_until(lambda: kiosk.current == "ticket", 10, "the ticket screen after the lock was released")
    ui.settle()
    ticket = kiosk.screen("ticket")
    assert ticket.code == "A001"
    assert [r["code"] for r in kiosk.ticket_rows()] == ["A001"]
    assert queue_screen.please_wait == ""
    ui.wait_until(lambda: ticket.printed, 8, "the ticket to print")
    assert kiosk.printer.wait_for_jobs(1) and len(kiosk.printer.jobs) == 1


def test_a_database_held_too_long_gives_a_clear_message_and_no_number(kiosk, ui, monkeypatch):
    import screens.app

    monkeypatch.setattr(screens.app, "DRAW_WAIT_SECONDS", 2.0)
    queue_screen = to_queue_screen(kiosk, ui)
    holder = hold_write_lock(kiosk, 5)
    try:
        press(queue_screen.queue_button("A"), ui)
        ui.wait_until(lambda: queue_screen.problem != "", 6, "the refusal")
        # THEN a plain Chinese message, the buttons work again, and nothing was drawn
        assert queue_screen.problem == "系统繁忙，请稍后再试"
        assert queue_screen.please_wait == ""
        assert not queue_screen.queue_button("A").disabled
        assert kiosk.current == "queue"
    finally:
        holder.wait(timeout=20)
    assert kiosk.ticket_rows() == []
    # Once the database is free the same tap draws the first number of the day.
    ui.tap(queue_screen.queue_button("A"))
    assert kiosk.screen("ticket").code == "A001"
    assert [r["code"] for r in kiosk.ticket_rows()] == ["A001"]


def test_a_citizen_who_leaves_while_the_database_is_held_gets_no_number(kiosk, ui):
    queue_screen = to_queue_screen(kiosk, ui)
    holder = hold_write_lock(kiosk, 6)
    try:
        press(queue_screen.queue_button("A"), ui)
        pump_for(0.5, ui)
        # WHEN the citizen gives up and taps 返回首页 (while the database is still held)
        press(_home_button(queue_screen), ui)
        assert kiosk.current == "home"
        assert holder.poll() is None, "the lock was released before the citizen left: the test means nothing"
    finally:
        holder.wait(timeout=20)
    # THEN no number was drawn in their name after they left, and Home stays
    pump_for(1.5, ui)
    ui.settle()
    assert kiosk.ticket_rows() == [], [(r["code"], r["channel"], r["issued_at"]) for r in kiosk.ticket_rows()]
    assert kiosk.current == "home"


def _home_button(screen):
    for widget in screen.walk():
        if "home_button" in getattr(widget, "ids", {}):
            return widget.ids.home_button
    raise AssertionError("no 返回首页 button on this screen")

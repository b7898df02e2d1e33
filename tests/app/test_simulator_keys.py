"""With simulated devices (the default), function keys stand in for what a person
would do to real hardware: lay a card on the reader, take it away, empty the printer."""

from __future__ import annotations

import pytest

from kiosk.root.simulator_keys import SIMULATOR_KEYS

pytestmark = pytest.mark.ui

F1 = 282


def press(window, key: int) -> None:
    window.dispatch("on_key_down", key, 0, None, [])


def test_f2_lays_the_elderly_card_and_f8_empties_the_printer(kiosk, ui):
    from kivy.core.window import Window

    ui.tap(kiosk.screen("home").ids.take_number)
    assert kiosk.current == "card"
    press(Window, F1 + 1)  # F2: the packaged elderly holder
    ui.wait_until(lambda: kiosk.current == "queue", 8, "the card to be read")
    assert "张**" in kiosk.screen("queue").holder_text

    assert kiosk.runtime.printer_simulator.state == "ok"
    press(Window, F1 + 7)  # F8: next printer state
    assert kiosk.runtime.printer_simulator.state == "near_end"
    press(Window, F1 + 7)
    assert kiosk.runtime.printer_simulator.state == "paper_out"


def test_function_keys_do_nothing_without_simulators():
    from kiosk.config import load_settings
    from kiosk.root.runtime import KioskRuntime

    runtime = KioskRuntime(load_settings())  # not started: no simulator running
    try:
        assert all(runtime.simulator_action(name) is None for name in SIMULATOR_KEYS)
        assert runtime.simulator_action("f12") is None
    finally:
        runtime.stop()

"""Idle reset (a citizen walks away) and elderly mode (适老化)."""

from __future__ import annotations

import pytest

from kiosk.idle import IdleTimer
from screens import texts_zh as zh
from screens.theme import contrast_ratio

pytestmark = pytest.mark.ui


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_warns_then_wipes_everything_and_returns_home(kiosk, ui):
    fake = FakeMonotonic()
    kiosk.app.idle = IdleTimer(90, 15, now=fake)
    # A villager reads her card, starts searching a guide, and turns on big text…
    ui.tap(kiosk.screen("home").ids.elderly)
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("elderly")
    assert kiosk.app.session.has_card
    kiosk.app.session.search_text = "db"
    queue_screen = kiosk.screen("queue")
    assert "张**" in queue_screen.holder_text

    # …then walks away. After 75 s the countdown appears over the screen.
    fake.now += 76
    ui.pump(30)
    overlay = kiosk.app.overlay
    assert overlay.get_root_window() is not None
    assert overlay.ids.countdown.text == zh.IDLE_COUNTDOWN.format(n=14)
    assert kiosk.current == "queue"

    # At 90 s: Home, nothing of her left anywhere, plain sizes again.
    fake.now += 15
    ui.pump(30)
    assert kiosk.current == "home"
    assert overlay.get_root_window() is None
    assert kiosk.app.session.is_empty
    assert queue_screen.holder_text == "" and queue_screen.priority_text == ""
    assert kiosk.app.theme.elderly is False


def test_touch_during_countdown_keeps_the_citizen_in_the_flow(kiosk, ui):
    fake = FakeMonotonic()
    kiosk.app.idle = IdleTimer(90, 15, now=fake)
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    fake.now += 80
    ui.pump(30)
    overlay = kiosk.app.overlay
    assert overlay.get_root_window() is not None
    ui.tap(overlay.ids.keep_going)
    assert overlay.get_root_window() is None
    fake.now += 60  # 60 s after the touch: still inside the 90 s
    ui.pump(30)
    assert kiosk.current == "queue"
    assert overlay.get_root_window() is None


def test_home_never_counts_down(kiosk, ui):
    fake = FakeMonotonic()
    kiosk.app.idle = IdleTimer(90, 15, now=fake)
    fake.now += 500
    ui.pump(30)
    assert kiosk.current == "home" and kiosk.app.overlay.get_root_window() is None


def _sizes(kiosk):
    home = kiosk.screen("home")
    take = home.ids.take_number
    return {
        "button_font": take.font_size,
        "toggle_height": home.ids.elderly.height,
        "waiting_font": home.ids.waiting_lines.font_size,
        "topbar": home.ids.top.height,
    }


def test_elderly_mode_enlarges_text_and_targets_to_the_miit_minimums(start_kiosk, ui):
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from screens.kivy_setup import LANDSCAPE

    kiosk = start_kiosk(size=LANDSCAPE)  # target sizes are judged on the kiosk's real screen

    before = _sizes(kiosk)
    ui.tap(kiosk.screen("home").ids.elderly)
    ui.pump(3)
    after = _sizes(kiosk)
    assert kiosk.app.theme.elderly
    for key in before:
        assert after[key] > before[key] * 1.2, key
    assert kiosk.screen("home").ids.elderly.text.endswith(zh.ELDERLY_ON)

    # Every screen, every text and button in elderly mode: ≥18 dp text, ≥60 dp targets.
    for name in ("home", "card", "queue", "guides", "guide_search"):
        kiosk.go(name)
        for widget in kiosk.screen(name).walk():
            if isinstance(widget, Button) and widget.text and widget.opacity and not widget.disabled:
                assert widget.font_size >= 18, (name, widget.text)
                assert widget.height >= 60 and widget.width >= 60, (name, widget.text, widget.size)
            elif isinstance(widget, Label) and widget.text and widget.opacity:
                assert widget.font_size >= 18, (name, widget.text)
    theme = kiosk.app.theme
    assert theme.heading >= 30 and theme.title >= 30 and theme.body >= 18 and theme.line_height >= 1.3
    # Tapping again returns to normal sizes.
    kiosk.go("home")
    ui.tap(kiosk.screen("home").ids.elderly)
    assert _sizes(kiosk) == before


def test_theme_colours_keep_text_readable():
    from screens import theme

    pairs = [(theme.TEXT, theme.BACKGROUND), (theme.TEXT, theme.SURFACE), (theme.MUTED, theme.SURFACE),
             (theme.MUTED, theme.BACKGROUND), (theme.ON_PRIMARY, theme.PRIMARY),
             (theme.ON_PRIMARY, theme.PRIMARY_DOWN), (theme.ON_SECONDARY, theme.SECONDARY),
             (theme.ON_SECONDARY, theme.SECONDARY_DOWN), (theme.DANGER, theme.SURFACE), (theme.OK, theme.SURFACE),
             (theme.BRAND, theme.BACKGROUND), (theme.TEXT, theme.NOTICE_BG),
             # a grey button that takes no taps; the windows line and 请稍候 in the primary colour
             (theme.ON_SECONDARY, theme.DISABLED), (theme.PRIMARY, theme.SURFACE)]
    # the five rating buttons, white words on each level's colour
    pairs += [(theme.ON_PRIMARY, colour) for colour in theme.LEVEL_COLOURS.values()]
    for fg, bg in pairs:
        assert contrast_ratio(fg, bg) >= 4.5, (fg, bg, contrast_ratio(fg, bg))


def test_voice_prompts_speak_each_step_and_can_be_muted(kiosk, ui):
    voice = kiosk.app.voice
    ui.tap(kiosk.screen("home").ids.take_number)
    assert voice.spoken[-1] == zh.VOICE_CARD
    ui.tap(kiosk.screen("card").ids.skip_card)
    assert voice.spoken[-1] == zh.VOICE_QUEUE
    ui.wait_until(lambda: len(voice.files) >= 1, 10, "espeak-ng to render a prompt")
    assert voice.files[-1].stat().st_size > 1000
    kiosk.app.go_home()
    ui.pump(3)
    ui.tap(kiosk.screen("home").ids.voice)
    assert kiosk.screen("home").ids.voice.text.endswith(zh.VOICE_OFF)
    count = len(voice.spoken)
    ui.tap(kiosk.screen("home").ids.take_number)
    assert len(voice.spoken) == count


def test_a_kiosk_without_voice_says_so_on_its_switch(start_kiosk, ui):
    # GIVEN `kiosk run --mute` (or no espeak-ng): the kiosk cannot speak
    kiosk = start_kiosk(voice_enabled=False)
    switch = kiosk.screen("home").ids.voice
    # THEN the switch reads 语音提示：关 and a tap cannot turn on a voice that is not there
    assert switch.text.endswith(zh.VOICE_OFF)
    ui.tap(switch)
    assert switch.text.endswith(zh.VOICE_OFF) and kiosk.app.voice_muted

"""The same ID card laid down again within the reader's 30 s same-holder window.

The reader does not count it as a new read, but the citizen on the card screen must
not be left in front of a screen where nothing happens: the card is recognised and
she moves on, as with a first read. Nothing is issued without her tap.
"""

from __future__ import annotations

import pytest

from screens import texts_zh as zh

pytestmark = pytest.mark.ui


@pytest.fixture
def kiosk_with_dedupe(start_kiosk):
    """The hall's real reader setting: the same holder within 30 s is not a new read
    (the other app tests turn it off). The hall clock stands still, so every
    placement below is within the 30 s."""
    from kiosk.config import load_settings
    from kiosk.root.runtime import with_dedupe

    return start_kiosk(settings=with_dedupe(load_settings(), 30))


def _button(screen, text: str):
    matches = [w for w in screen.walk() if str(getattr(w, "text", "")).endswith(text) and hasattr(w, "on_release")]
    assert matches, f"no {text!r} button on {screen.name}"
    return matches[0]


def test_card_laid_again_on_the_card_screen_moves_the_citizen_on(kiosk_with_dedupe, ui):
    kiosk = kiosk_with_dedupe
    # GIVEN a villager whose card was read, who then tapped 返回首页 and 取号 again
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.place_card("elderly")
    ui.tap(_button(kiosk.screen("queue"), zh.HOME))
    assert kiosk.current == "home" and kiosk.app.session.is_empty
    ui.tap(kiosk.screen("home").ids.take_number)
    assert kiosk.current == "card"

    # WHEN she lifts her card and lays it down again, seconds after the first read
    kiosk.remove_card()
    assert kiosk.current == "card"
    kiosk.place_card("elderly")  # waits for the queue screen (fails on a silent card screen)

    # THEN the card is taken as read: her masked name and priority are shown, the
    # session holds her, and no number was drawn for her
    queue_screen = kiosk.screen("queue")
    assert "张**" in queue_screen.holder_text and "9905**********0026" in queue_screen.holder_text
    assert queue_screen.priority_text == zh.QUEUE_PRIORITY.format(age=70)
    assert kiosk.app.session.has_card and kiosk.app.session.priority == "elderly"
    assert kiosk.ticket_rows() == []

    # WHEN she chooses 综合受理 THEN she gets one ticket with her priority
    ui.tap(queue_screen.queue_button("A"))
    assert kiosk.screen("ticket").code == "A001"

    # AND laying the card once more on the ticket screen draws nothing by itself
    kiosk.remove_card()
    kiosk.place_card("elderly", wait_for=None)
    kiosk.remove_card()
    assert kiosk.current == "ticket"
    rows = kiosk.ticket_rows()
    assert [(r["code"], r["priority"]) for r in rows] == [("A001", "elderly")]


def test_card_read_while_reading_a_guide_then_laid_again_on_the_card_screen(kiosk_with_dedupe, ui):
    kiosk = kiosk_with_dedupe
    reader = kiosk.reader.simulator
    # GIVEN a card laid down while reading the guides (not a request for a number)
    ui.tap(kiosk.screen("home").ids.guides)
    assert kiosk.current == "guides"
    from devices.idcard.service import CardRead

    reads_before = reader.command_counts[(0x30, 0x01)]
    kiosk.place_card("resident", wait_for=None)
    ui.wait_until(lambda: reader.command_counts[(0x30, 0x01)] > reads_before, 6, "the card to be read")
    # Wait for the app to have the read, not just the reader to be asked: a read that
    # reaches the app only after she is back Home would (rightly) start her visit.
    ui.wait_until(lambda: kiosk.runtime.last_reader_event_kind == "CardRead", 6, "the read to reach the app")
    ui.pump(5)
    assert kiosk.current == "guides" and kiosk.app.session.holder is None

    # WHEN she goes to take a number and lays the card down again within 30 s
    ui.tap(_button(kiosk.screen("guides"), zh.HOME))
    assert kiosk.current == "home"
    ui.tap(kiosk.screen("home").ids.take_number)
    kiosk.remove_card()
    kiosk.place_card("resident")

    # THEN she is on the business choice with her card read
    assert kiosk.current == "queue"
    assert kiosk.app.session.has_card
    assert kiosk.ticket_rows() == []

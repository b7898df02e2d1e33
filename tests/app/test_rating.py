"""服务评价 at the kiosk: the ticket's number on the keypad, or its QR code under the document
camera; the five levels; a 差评 needs a reason; one rating per ticket, channel "kiosk"."""

from __future__ import annotations

import dataclasses

import pytest
from dropoff_kiosk import key, with_quick_camera

from screens import texts_zh as zh

pytestmark = pytest.mark.ui


def _finished(kiosk, queue: str = "A", window: int = 1):
    """A ticket taken, called and finished at `window` through the services, as the counter does."""
    issued = kiosk.runtime.tickets.take_number(queue)
    kiosk.runtime.engine.call_next(window, actor="staff:zhaomin")
    kiosk.runtime.engine.finish(window, actor="staff:zhaomin")
    return issued.ticket


def _ratings(kiosk) -> list[dict]:
    with kiosk.runtime.store.read() as conn:
        return [dict(row) for row in conn.execute("SELECT * FROM ratings ORDER BY id")]


def _open_rating(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.rating)
    assert kiosk.current == "rating_lookup"
    return kiosk.screen("rating_lookup")


def _type_number(kiosk, ui, typed: str) -> None:
    screen = kiosk.screen("rating_lookup")
    keypad = screen.ids.keypad
    keypad.value = ""
    for char in typed:
        ui.tap(key(keypad, char), frames=1)
    assert keypad.value == typed
    ui.tap(screen.ids.ok)


@pytest.fixture
def number_kiosk(start_kiosk, hall_settings):
    """The kiosk without a document camera (drop-off off): ratings by typed number only."""
    from kiosk.root.runtime import _replace_keep_source

    settings = _replace_keep_source(hall_settings, dropoff=dataclasses.replace(hall_settings.dropoff, enabled=False))
    return start_kiosk(settings=settings)


def test_a_bad_rating_needs_a_reason_then_it_is_stored_once_with_channel_kiosk(number_kiosk, ui):
    kiosk = number_kiosk
    ticket = _finished(kiosk)
    lookup = _open_rating(kiosk, ui)
    assert not lookup.camera_shown  # no camera here: the QR is not offered
    _type_number(kiosk, ui, "A1")  # leading zeros are not needed
    ui.wait_until(lambda: kiosk.current == "rating", 5, "the rating screen")
    rating = kiosk.screen("rating")
    assert rating.code == ticket.code and ticket.code in rating.ids.question.text

    ui.tap(rating.ids.level2)  # 不满意: the reasons step
    assert rating.step == "reasons"
    assert rating.reason_button("other") is None  # needs words, and the kiosk has no keyboard
    ui.tap(rating.ids.submit)  # no reason chosen
    ui.wait_until(lambda: rating.problem, 5, "the refusal")
    assert "请至少选择一个原因" in rating.problem and _ratings(kiosk) == []

    ui.tap(rating.reason_button("wait_long"))
    ui.tap(rating.ids.submit)
    ui.wait_until(lambda: rating.step == "thanks", 5, "the thanks")
    assert "谢谢您的评价" in rating.ids.question.text
    [stored] = _ratings(kiosk)
    assert (stored["ticket_id"], stored["level"], stored["channel"], stored["reasons"], stored["followup"]) == \
        (ticket.id, 2, "kiosk", '["wait_long"]', "open")

    kiosk.app.go_home()  # the next citizen: the same number is refused now
    ui.pump(3)
    lookup = _open_rating(kiosk, ui)
    assert lookup.ids.keypad.value == "" and rating.code == ""
    _type_number(kiosk, ui, "A001")
    ui.wait_until(lambda: lookup.problem, 5, "the refusal")
    assert "已经评价过了" in lookup.problem and kiosk.current == "rating_lookup"
    assert len(_ratings(kiosk)) == 1


def test_an_unfinished_or_unknown_number_is_refused_plainly(number_kiosk, ui):
    kiosk = number_kiosk
    kiosk.runtime.tickets.take_number("A")  # A001 waits
    lookup = _open_rating(kiosk, ui)
    _type_number(kiosk, ui, "A1")
    ui.wait_until(lambda: lookup.problem, 5, "the refusal")
    assert "办完后才能评价" in lookup.problem and kiosk.current == "rating_lookup"
    lookup.problem = ""
    _type_number(kiosk, ui, "C7")
    ui.wait_until(lambda: lookup.problem, 5, "the refusal")
    assert "今天没有这个号" in lookup.problem
    assert _ratings(kiosk) == []


def test_the_tickets_qr_under_the_camera_opens_its_rating(start_kiosk, hall_settings, ui):
    settings = with_quick_camera(hall_settings)
    camera = dataclasses.replace(settings.devices.camera, read_codes=True)
    from kiosk.root.runtime import _replace_keep_source

    kiosk = start_kiosk(settings=_replace_keep_source(settings, devices=dataclasses.replace(settings.devices,
                                                                                              camera=camera)))
    ticket = _finished(kiosk)
    link = kiosk.runtime.links.ticket_address(ticket.id)  # what the printed ticket's QR holds
    assert link.endswith(kiosk.runtime.engine.holder_key.ticket_link_token(ticket.id))
    ui.wait_until(lambda: kiosk.runtime.camera_works, 10, "the camera probe")
    lookup = _open_rating(kiosk, ui)
    assert lookup.camera_shown and lookup.ids.by_qr.get_root_window() is not None
    ui.wait_until(lambda: kiosk.runtime.camera_running, 5, "the camera to run for the QR")

    kiosk.runtime.camera_simulator.place_page("slip", qr_text=link)
    ui.wait_until(lambda: kiosk.current == "rating", 20, "the ticket found by its QR")
    kiosk.runtime.camera_simulator.take_page_away()
    assert kiosk.screen("rating").code == ticket.code
    assert not kiosk.runtime.camera_running  # off again once the lookup screen is left
    ui.tap(kiosk.screen("rating").ids.level4)  # a good rating is one tap
    ui.wait_until(lambda: kiosk.screen("rating").step == "thanks", 5, "the thanks")
    assert [(r["ticket_id"], r["level"], r["channel"], r["window_number"]) for r in _ratings(kiosk)] == \
        [(ticket.id, 4, "kiosk", 1)]
    ui.tap(kiosk.screen("rating").ids.done)
    assert kiosk.current == "home"

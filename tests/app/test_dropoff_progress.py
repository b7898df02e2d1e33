"""Asking at the kiosk how far a drop-off has got: by ID card, or by the receipt's code
and the ID number's last 4; a ready result leads straight to a 综合出件 number."""

from __future__ import annotations

import pytest
from dropoff_drafts import ID_NUMBER, fill_draft, page_jpegs
from dropoff_kiosk import key, type_on

from screens import texts_zh as zh

pytestmark = pytest.mark.ui


def _submitted(kiosk, id_number: str = ID_NUMBER, ready: bool = False) -> str:
    service = kiosk.runtime.dropoff
    draft = fill_draft(service, page_jpegs())
    draft.id_number = id_number
    code = service.submit(draft).code
    if ready:
        service.accept(code, "staff:li")
        service.mark_ready(code, "staff:li")
    return code


def _open_progress(kiosk, ui):
    home = kiosk.screen("home")
    ui.tap(home.ids.progress)
    assert kiosk.current == "dropoff_progress"
    return kiosk.screen("dropoff_progress")


def _type_code(screen, ui, code: str, last4: str) -> None:
    type_on(screen.ids.code_keypad, ui, code)
    ui.tap(key(screen.ids.code_keypad, zh.KEY_OK))
    assert screen.asking_last4
    type_on(screen.ids.last4_keypad, ui, last4)
    ui.tap(key(screen.ids.last4_keypad, zh.KEY_OK))


def test_code_and_last4_show_the_timeline_and_a_ready_result_gives_a_b_number(kiosk, ui):
    code = _submitted(kiosk, ready=True)
    screen = _open_progress(kiosk, ui)
    _type_code(screen, ui, code, ID_NUMBER[-4:])
    ui.wait_until(lambda: screen.results, 10, "the lookup's answer")
    text = screen.results[0]
    assert code in text and "已办好，请到综合出件窗口领取" in text
    assert "已提交" in text and "已受理" in text and "办件编号：QX" in text
    assert ID_NUMBER not in text and ID_NUMBER[-4:] not in text  # only what the receipt showed
    assert screen.ready_to_collect

    ui.tap(screen.ids.take_b)
    ui.wait_until(lambda: kiosk.current == "ticket", 10, "the ticket screen")
    assert kiosk.screen("ticket").code.startswith("B")

    kiosk.app.go_home()  # the visit is over: nothing of it stays on the progress screen
    assert screen.results == [] and screen.ids.code_keypad.value == ""


def test_a_wrong_code_says_so_and_too_many_pause_lookups_by_code(start_kiosk, hall_settings, ui):
    import dataclasses

    from kiosk.root.runtime import _replace_keep_source

    # Two wrong tries pause lookups here (5 in the hall's file): the rule is the same, the taps fewer.
    settings = _replace_keep_source(hall_settings, dropoff=dataclasses.replace(hall_settings.dropoff,
                                                                               lookup_max_wrong=2))
    kiosk = start_kiosk(settings=settings)
    code = _submitted(kiosk)
    screen = _open_progress(kiosk, ui)
    wrong = "".join("3" if c != "3" else "4" for c in code)
    _type_code(screen, ui, wrong, ID_NUMBER[-4:])
    ui.wait_until(lambda: screen.problem, 10, "the refusal")
    assert "投递码或身份证后4位不对" in screen.problem and "还可以试1次" in screen.problem and not screen.results
    assert not screen.asking_last4  # back to the code, to type it again
    screen.problem = ""
    _type_code(screen, ui, code, "0000")
    ui.wait_until(lambda: screen.problem, 10, "the refusal")
    screen.problem = ""
    _type_code(screen, ui, code, ID_NUMBER[-4:])  # the right answer now waits too
    ui.wait_until(lambda: screen.problem, 10, "the pause")
    assert "分钟后再试" in screen.problem and "刷身份证" in screen.problem


def test_the_id_card_lists_the_holders_dropoffs(kiosk, ui):
    resident = kiosk.reader.simulator.holders["resident"].id_number
    first, second = _submitted(kiosk, resident), _submitted(kiosk, resident)
    _submitted(kiosk)  # someone else's: not shown
    screen = _open_progress(kiosk, ui)
    kiosk.place_card("resident", wait_for=None)
    ui.wait_until(lambda: len(screen.results) == 2, 10, "the card holder's drop-offs")
    assert {first, second} == {r.split("投递码 ")[1].split("　")[0] for r in screen.results}
    assert not screen.ready_to_collect


def test_the_short_code_is_refused_before_asking_anything(kiosk, ui):
    screen = _open_progress(kiosk, ui)
    type_on(screen.ids.code_keypad, ui, "K7MW")
    ui.tap(key(screen.ids.code_keypad, zh.KEY_OK))
    assert screen.problem == zh.PROGRESS_CODE_SHORT.format(n=4) and not screen.asking_last4

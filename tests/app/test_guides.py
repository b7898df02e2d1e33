"""Finding and reading a 办事指南 on the kiosk."""

from __future__ import annotations

import pytest

from screens import texts_zh as zh

pytestmark = pytest.mark.ui


def _key(screen, letter):
    for button in screen.ids.keypad.children:
        if button.text == letter:
            return button
    raise AssertionError(f"no key {letter}")


def test_search_by_initials_finds_dibao_and_shows_every_field_wrapped(kiosk, ui, artifacts):
    ui.wait_until(lambda: kiosk.runtime.features.dropoff, 10, "the camera probe")  # one answer for the fields
    ui.tap(kiosk.screen("home").ids.guides)
    ui.tap(kiosk.screen("guides").ids.search)
    search = kiosk.screen("guide_search")
    ui.wait_until(lambda: search.ready, 20, "the guide search index")

    # WHEN the villager presses D then B on the A–Z keypad
    ui.tap(_key(search, "D"))
    ui.tap(_key(search, "B"))

    # THEN the typed letters show, 低保 is offered as words, and the 低保 guide comes first
    assert search.typed == "db"
    assert search.ids.typed.text == "D B"
    assert "低保" in [b.text for b in search.ids.suggestions.children]
    assert search.result_ids()[0] == "dibao"
    assert search.status == zh.SEARCH_RESULTS.format(n=len(search.result_ids()))
    assert kiosk.app.session.search_text == "db"

    # WHEN she taps the 最低生活保障 guide
    target = [b for b in search.ids.results.children if b.guide_id == "dibao"][0]
    ui.tap(target)

    # THEN the whole guide is there: every field label and its text, wrapped in its box
    detail = kiosk.screen("guide_detail")
    assert kiosk.current == "guide_detail"
    guide = kiosk.runtime.guides.catalogue().get("dibao")
    assert detail.heading == guide.name
    labels = list(reversed(detail.ids.fields.children))
    expected = [part for row in guide.display_fields(dropoff_available=kiosk.runtime.features.dropoff)
                for part in row]
    assert [label.text for label in labels] == expected
    # The drop-off field is there exactly while the kiosk can take drop-offs (test_dropoff.py turns it off).
    assert any("投递" in label.text for label in labels) is kiosk.runtime.features.dropoff is True
    assert len(labels) >= 40
    ui.pump(3)
    fields_width = detail.ids.fields.width
    for label in labels:
        assert label.texture_size[0] <= fields_width + 1, f"{label.text[:20]} sticks out of its box"
        assert label.height >= label.texture_size[1] - 1
    longest = max(labels, key=lambda label: len(label.text))
    assert longest.texture_size[1] > 2 * longest.font_size  # long text wraps onto several lines
    assert detail.ids.fields.height > detail.ids.scroll.height  # it scrolls
    # No online guide is served yet: no QR and no 手机扫码 hint
    assert detail.qr_url == "" and detail.ids.qr.parent.parent.opacity == 0

    # 打印材料清单 prints the checklist on the ticket printer
    ui.tap(detail.ids.print_button)
    ui.wait_until(lambda: detail.print_text == zh.GUIDE_PRINTED, 8, "the checklist to print")
    assert kiosk.printer.wait_for_jobs(1)
    assert "最低生活保障".encode("gb18030") in kiosk.printer.jobs[-1]


def test_department_grid_to_list_to_guide_and_back(kiosk, ui):
    ui.tap(kiosk.screen("home").ids.guides)
    guides = kiosk.screen("guides")
    departments = {b.group_title: b for b in guides.ids.grid.children}
    assert list(departments)[::-1][:5] == ["民政", "残联", "社保", "医保", "市场监管"]
    ui.tap(departments["民政"])
    listing = kiosk.screen("guide_list")
    assert kiosk.current == "guide_list" and listing.heading == "民政"
    catalogue = kiosk.runtime.guides.catalogue()
    assert {b.guide_id for b in listing.ids.list.children} == {g.id for g in catalogue.by_department()["民政"]}
    first = listing.ids.list.children[-1]
    ui.tap(first)
    assert kiosk.current == "guide_detail"
    assert kiosk.screen("guide_detail").heading == catalogue.get(first.guide_id).name

    # life events: the other tab
    kiosk.go("guides")
    ui.tap(guides.ids.tab_life_event)
    assert guides.mode == "life_event"
    assert [b.group_title for b in reversed(guides.ids.grid.children)] == list(catalogue.life_events)

    # WHEN this citizen leaves THEN the next one finds the guides on their first tab
    kiosk.app.go_home()
    ui.tap(kiosk.screen("home").ids.guides)
    assert guides.mode == "department"
    assert [b.group_title for b in reversed(guides.ids.grid.children)][:1] == ["民政"]


def test_search_with_no_match_says_so_kindly(kiosk, ui):
    kiosk.go("guide_search")
    search = kiosk.screen("guide_search")
    ui.wait_until(lambda: search.ready, 20, "the guide search index")
    for letter in "QXZQ":
        ui.tap(_key(search, letter))
    assert search.result_ids() == []
    assert search.status == zh.SEARCH_NO_RESULT
    ui.tap(_key(search, zh.SEARCH_CLEAR))
    assert search.typed == "" and search.status == zh.SEARCH_EMPTY_INPUT

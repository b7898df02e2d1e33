"""Chinese line breaking on the real screens: the lines Kivy actually lays out for every
办事指南 and for the drop-off consent text (PIPL), at the kiosk's real landscape and
portrait sizes, in normal and elderly mode, follow the typesetting rules (no 。or ） at the
start of a line, no （ or “ at its end) and lose no text."""

from __future__ import annotations

import pytest

from line_breaks import laid_out_lines, line_break_faults
from screens.cjk_wrap import LINE_START_FORBIDDEN
from screens import texts_zh as zh

pytestmark = pytest.mark.ui


def _start(start_kiosk, portrait: bool, elderly: bool):
    from screens.kivy_setup import LANDSCAPE, PORTRAIT

    kiosk = start_kiosk(portrait=portrait, size=PORTRAIT if portrait else LANDSCAPE)
    kiosk.app.theme.elderly = elderly
    kiosk.app.hide_idle_overlay()
    return kiosk


MODES = [pytest.param(portrait, elderly, id=f"{'portrait' if portrait else 'landscape'}-"
                                            f"{'elderly' if elderly else 'normal'}")
         for portrait in (False, True) for elderly in (False, True)]


@pytest.mark.parametrize(("portrait", "elderly"), MODES)
def test_guides_and_consent_wrap_by_the_chinese_line_breaking_rules(start_kiosk, ui, portrait, elderly):
    # One kiosk per orientation and mode: starting one costs more than checking the texts.
    kiosk = _start(start_kiosk, portrait, elderly)
    guides = list(kiosk.runtime.guides.catalogue())
    faults, wrapped = [], {"guides": 0, "consent": 0}

    detail = kiosk.screen("guide_detail")
    for guide in guides:
        # WHEN a villager opens the guide
        kiosk.app.open_guide(guide.id)
        ui.pump(3)
        labels = [detail.ids.heading, *reversed(detail.ids.fields.children)]
        assert len(labels) > 10
        # THEN every line Kivy laid out follows the rules, and no text is lost
        for label in labels:
            faults += [f"{guide.id} {label.text[:12]!r}: {fault}" for fault in line_break_faults(label)]
            wrapped["guides"] += _wrapped_lines(label)

    kiosk.go("dropoff_consent")
    consent = kiosk.screen("dropoff_consent")
    notice = consent.ids.notice
    # The consent text names the matter and its department: with every matter's name, the
    # closing ” after it lands at many places along a line.
    for guide in guides:
        consent.notice = zh.DROPOFF_CONSENT_NOTICE.format(matter=guide.name, department=guide.department,
                                                          days=kiosk.app.settings.dropoff.scan_retention_days)
        ui.pump(2)
        faults += [f"consent for {guide.id}: {fault}" for fault in line_break_faults(notice)]
        wrapped["consent"] += _wrapped_lines(notice)

    # The big buttons' plain lines (the hint under 取号, a matter's long name) follow the rules too.
    kiosk.go("home")
    ui.pump(3)
    home = kiosk.screen("home")
    for button in (home.ids.take_number,):
        lines = laid_out_lines(button)
        faults += [f"home button {lines!r}" for line in lines[1:] if line[:1] in LINE_START_FORBIDDEN]
    assert not faults, "\n".join(faults)
    # The texts really wrap at this size, so the check had something to check (at
    # 1920x1080 in normal mode each line of the consent text fits the width).
    print(f"lines wrapped: {wrapped}")
    assert wrapped["guides"] > 0
    assert wrapped["consent"] > 0 or not (portrait or elderly)


def _wrapped_lines(label) -> int:
    return len(label._label._cached_lines) - label.text.count("\n") - 1


def test_a_label_breaks_again_when_its_width_or_the_font_size_changes(kiosk, ui):
    from screens.widgets import KLabel

    # GIVEN a label whose text puts a 。 at the start of a line when cut anywhere
    label = KLabel(text="请带好身份证、户口簿和一寸照片。到三号窗口办理（工作日）。" * 3, size_hint=(None, None))
    kiosk.app.root.add_widget(label)
    try:
        for width, elderly in [(300, False), (433, False), (433, True), (611, True), (200, False)]:
            # WHEN the window turns or the elderly mode enlarges the text
            kiosk.app.theme.elderly = elderly
            label.width = width
            ui.pump(2)
            # THEN the lines are broken again for the new width and size
            assert label.texture_size[0] <= width + 1
            assert not line_break_faults(label), (width, elderly, laid_out_lines(label))
    finally:
        kiosk.app.root.remove_widget(label)
        kiosk.app.theme.elderly = False

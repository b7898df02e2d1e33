"""Every screen at 1920×1080 and 1080×1920, normal and elderly mode: rendered to PNG
for a person to look at (test-artifacts/app/; `export_to_png` draws the widget tree
into its own framebuffer, so the window need not present frames), and checked by machine for the two
faults a person would see first: text set in a font without Chinese (tofu), and
text that sticks out of or is cut off by its box; and wrapped Chinese text that puts
a 。 or ） at the start of a line or a （ at its end."""

from __future__ import annotations

import pytest

from kiosk.idle import IdleTimer
from line_breaks import rule_faults
from screens.fonts import FONT_NAME

pytestmark = pytest.mark.ui

SLACK = 2  # px


def _rect(widget):
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _inside(inner, outer) -> bool:
    return (inner[0] >= outer[0] - SLACK and inner[1] >= outer[1] - SLACK
            and inner[2] <= outer[2] + SLACK and inner[3] <= outer[3] + SLACK)


def layout_problems(root) -> list[str]:
    """Labels in a non-CJK font, text wider/taller than its label, labels outside their boxes."""
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    from kivy.uix.image import Image

    problems = []
    for widget in root.walk():
        if isinstance(widget, Image) and widget.texture is not None and widget.opacity:
            hidden = any(w.opacity == 0 for w in _ancestors(widget, root))
            if not hidden and not _inside(_rect(widget), _rect(widget.parent)):
                problems.append(f"{type(widget).__name__}: larger than its {type(widget.parent).__name__} "
                                f"{_rect(widget)} vs {_rect(widget.parent)}")
            continue
        if not isinstance(widget, Label) or not widget.text.strip():
            continue
        hidden = any(w.opacity == 0 for w in _ancestors(widget, root)) or widget.opacity == 0
        if hidden or widget.width <= 1 or widget.height <= 1:
            continue
        name = f"{type(widget).__name__}({widget.text[:16]!r})"
        if widget.font_name != FONT_NAME:
            problems.append(f"{name}: font {widget.font_name}")
        widget.texture_update()
        tw, th = widget.texture_size
        if not widget.shorten and tw > widget.width + SLACK:
            problems.append(f"{name}: text {tw:.0f} px wide in a {widget.width:.0f} px box")
        if th > widget.height + SLACK:
            problems.append(f"{name}: text {th:.0f} px tall in a {widget.height:.0f} px box")
        # Markup labels (the buttons) are still wrapped by Kivy alone: screens/cjk_wrap.py
        # pre-breaks plain text only.
        if not widget.markup and not widget.shorten:
            problems += [f"{name}: {fault}" for fault in rule_faults(widget)]
        box = _rect(widget)
        for ancestor in _ancestors(widget, root):
            if isinstance(ancestor, ScrollView):
                break
            if not _inside(box, _rect(ancestor)):
                problems.append(f"{name}: outside its {type(ancestor).__name__} {box} vs {_rect(ancestor)}")
                break
    return problems


def _ancestors(widget, root):
    parent = widget.parent
    while parent is not None and parent is not root.parent:
        yield parent
        if parent is root:
            return
        parent = parent.parent


def _prepare_every_screen(kiosk, ui):
    """Yields (name, setup) pairs that put realistic content on each screen."""
    app = kiosk.app

    def home():
        kiosk.runtime.tickets.take_number("A")
        kiosk.go("home")

    def card():
        kiosk.go("card")

    def queue():
        kiosk.go("card")
        kiosk.place_card("elderly")
        kiosk.remove_card()

    def queue_refused():
        kiosk.screen("queue").show_problem("您已经取过综合受理的号（A001号），请耐心等候叫号")
        ui.pump(3)

    def ticket():
        kiosk.printer.set_state("paper_out")
        kiosk.screen("queue").problem = ""
        app.session.wipe("screenshot")  # a different citizen, without a card
        app.choose_queue("B")
        ui.wait_until(lambda: kiosk.screen("ticket").print_failed, 8, "print failure")
        kiosk.printer.set_state("ok")

    def dropoff_identity():
        from dropoff_kiosk import open_dropoff

        app.go_home()
        open_dropoff(kiosk, ui)
        identity = kiosk.screen("dropoff_identity")
        identity.ids.keypad.value = "14052119500315421"
        identity.problem = "身份证号应是18位，您输入了17位"
        ui.pump(3)

    def dropoff_matter():
        kiosk.place_card("resident", wait_for="dropoff_matter")
        matters = kiosk.screen("dropoff_matter")
        ui.wait_until(lambda: matters.matter_button("jiuye-chuangye-zheng") is not None, 5, "the matters")

    def dropoff_capture():
        from dropoff_kiosk import capture_page

        ui.tap(kiosk.screen("dropoff_matter").matter_button("jiuye-chuangye-zheng"))
        ui.wait_until(lambda: kiosk.current == "dropoff_capture", 5, "the camera screen")
        capture_page(kiosk, ui)
        capture = kiosk.screen("dropoff_capture")
        kiosk.runtime.camera_simulator.place_page("form")
        ui.wait_until(lambda: len(capture.outline_points) == 8, 10, "the page outline")

    def dropoff_review():
        flow = app.dropoff
        ui.wait_until(lambda: flow.draft.page_count == 2, 20, "the second page")
        kiosk.runtime.camera_simulator.take_page_away()
        capture = kiosk.screen("dropoff_capture")
        while kiosk.current == "dropoff_capture":
            ui.tap(capture.ids.next_material)

    def dropoff_phone():
        ui.tap(kiosk.screen("dropoff_review").ids.next)
        kiosk.screen("dropoff_phone").ids.keypad.value = "1391234"
        kiosk.screen("dropoff_phone").problem = "手机号应是11位，请核对"
        ui.pump(3)

    def dropoff_consent():
        from dropoff_kiosk import PHONE, key
        from screens import texts_zh as zh

        # Typed straight into the keypad: typing key by key is the phone step's own test,
        # and eleven drawn taps cost this test seconds per mode.
        keypad = kiosk.screen("dropoff_phone").ids.keypad
        keypad.value = PHONE
        ui.tap(key(keypad, zh.KEY_OK))
        ui.wait_until(lambda: kiosk.current == "dropoff_consent", 5, "the consent step")

    def dropoff_receipt():
        kiosk.printer.set_state("paper_out")
        ui.tap(kiosk.screen("dropoff_consent").ids.agree)
        receipt = kiosk.screen("dropoff_receipt")
        ui.wait_until(lambda: receipt.print_failed, 20, "the receipt's print failure")
        kiosk.printer.set_state("ok")
        kiosk.remove_card()

    def guides():
        app.go_home()
        kiosk.go("guides")

    def guide_list():
        catalogue = kiosk.runtime.guides.catalogue()
        app.open_guide_list("民政", catalogue.by_department()["民政"])
        ui.pump(3)

    def guide_search():
        kiosk.go("guide_search")
        search = kiosk.screen("guide_search")
        ui.wait_until(lambda: search.ready, 20, "search index")
        search.press("D")
        search.press("B")
        ui.pump(3)

    def guide_detail():
        app.open_guide("dibao")
        ui.pump(3)

    def idle_overlay():
        kiosk.go("queue")
        fake = [1000.0]
        app.idle = IdleTimer(90, 15, now=lambda: fake[0])
        app.idle.arm()
        fake[0] += 78
        ui.wait_until(lambda: app.overlay.get_root_window() is not None, 3, "the idle countdown")

    def staff_pin_not_set():
        app.idle = IdleTimer(90, 15)
        app.hide_idle_overlay()
        kiosk.runtime.staff_access.path.unlink(missing_ok=True)  # no PIN set (yet, or again in this round)
        kiosk.go("staff_pin")  # closed, with how to set one

    def staff_pin():
        if not kiosk.runtime.staff_access.is_configured():
            kiosk.runtime.staff_access.set_pin("246810")
        kiosk.go("home")
        kiosk.go("staff_pin")
        kiosk.screen("staff_pin").ids.keypad.value = "12"
        kiosk.screen("staff_pin").problem = "密码不对，请重新输入（再错4次将暂时锁定）"
        ui.pump(3)

    def staff():
        kiosk.go("staff")
        ui.wait_until(lambda: "正在检查" not in kiosk.screen("staff").device_lines[0], 10, "device check")

    def dropoff_progress_asking():
        kiosk.app.go_home()
        kiosk.app.open_dropoff_progress()
        screen = kiosk.screen("dropoff_progress")
        screen.ids.code_keypad.value = "K7MW9CE3"
        screen.asking_last4 = True
        screen.ids.last4_keypad.value = "42"
        ui.pump(3)

    def dropoff_progress_result():
        screen = kiosk.screen("dropoff_progress")
        screen.wipe()
        screen.show_results([
            "《就业创业证》申领\n投递码 K7MW9CE3　已办好，请到综合出件窗口领取\n办件编号：QX202611300001　应办结日期：12月7日\n"
            "11月28日 19:30　已提交，等待工作人员审核\n11月30日 09:00　已受理，正在办理\n12月02日 15:10　已办好，请到综合出件窗口领取",
            "城乡居民养老保险参保登记\n投递码 XH4N7TRA　需要补正材料\n说明：照片看不清；户口本本人页请重拍"], True)
        ui.pump(3)

    def rating_lookup():
        app.go_home()
        kiosk.runtime.tickets.take_number("C")
        kiosk.runtime.engine.call_next(3)
        finished = kiosk.runtime.engine.finish(3).ticket
        app.open_rating()
        lookup = kiosk.screen("rating_lookup")
        lookup.ids.keypad.value = finished.code
        lookup.problem = "A001号还没有办完，办完后才能评价（还可以试4次）"
        ui.pump(3)

    def rating_levels():
        lookup = kiosk.screen("rating_lookup")
        lookup.problem = ""
        lookup.typed()
        ui.wait_until(lambda: kiosk.current == "rating", 5, "the rating screen")

    def rating_reasons():
        kiosk.screen("rating").choose(1)
        kiosk.screen("rating").problem = "选择“非常不满意”时，请至少选择一个原因"
        ui.pump(3)

    return [("home", home), ("card", card), ("queue", queue), ("queue_refused", queue_refused),
            ("ticket_not_printed", ticket), ("dropoff_identity", dropoff_identity),
            ("dropoff_matter", dropoff_matter), ("dropoff_capture", dropoff_capture),
            ("dropoff_review", dropoff_review), ("dropoff_phone", dropoff_phone),
            ("dropoff_consent", dropoff_consent), ("dropoff_receipt", dropoff_receipt),
            ("dropoff_progress", dropoff_progress_asking), ("dropoff_progress_result", dropoff_progress_result),
            ("guides", guides), ("guide_list", guide_list),
            ("guide_search", guide_search), ("guide_detail", guide_detail), ("idle_countdown", idle_overlay),
            ("staff_pin_not_set", staff_pin_not_set), ("staff_pin", staff_pin), ("staff", staff),
            ("rating_lookup", rating_lookup), ("rating_levels", rating_levels), ("rating_reasons", rating_reasons)]


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
@pytest.mark.parametrize("portrait", [False, True], ids=["landscape", "portrait"])
def test_every_screen_renders_without_tofu_or_clipped_text(start_kiosk, hall_settings, ui, artifacts, portrait,
                                                          elderly):
    # One orientation and mode per test, so parallel workers share the work evenly.
    from screens.kivy_setup import LANDSCAPE, PORTRAIT

    from dropoff_kiosk import with_quick_camera

    kiosk = start_kiosk(portrait=portrait, size=PORTRAIT if portrait else LANDSCAPE,
                        settings=with_quick_camera(hall_settings))
    folder = artifacts("app")
    all_problems = {}
    kiosk.app.theme.elderly = elderly
    kiosk.app.hide_idle_overlay()
    for name, setup in _prepare_every_screen(kiosk, ui):
        setup()
        ui.settle()  # the screen's own service calls (e.g. Home's waiting counts) have answered
        ui.pump(4)
        root = kiosk.app.root
        tag = f"{'portrait' if portrait else 'landscape'}-{'elderly' if elderly else 'normal'}-{name}"
        path = folder / f"{tag}.png"
        root.export_to_png(str(path))
        assert path.stat().st_size > 10_000
        problems = layout_problems(root)
        if problems:
            all_problems[tag] = problems
    kiosk.app.go_home()
    ui.pump(2)
    assert not all_problems, "\n".join(f"{tag}: {p}" for tag, ps in all_problems.items() for p in ps)

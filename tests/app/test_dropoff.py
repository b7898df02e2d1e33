"""The after-hours drop-off (自助投递) at the kiosk, as a villager does it: real window,
real taps, the real reader and printer drivers against their simulators, the capture
service over the simulated document camera, the real hall database and sealed scans."""

from __future__ import annotations

import io
import logging

import pytest
from dropoff_drafts import ID_NUMBER, MATTER
from dropoff_kiosk import (capture_page, give_phone, key, open_dropoff, to_capture, to_phone, type_on,
                           with_quick_camera)

from screens import texts_zh as zh

pytestmark = pytest.mark.ui
log = logging.getLogger(__name__)


@pytest.fixture
def dropoff_kiosk(start_kiosk, hall_settings):
    return start_kiosk(settings=with_quick_camera(hall_settings))


def _printed_text(job: bytes) -> str:
    return job.decode("gb18030", errors="ignore")


def test_card_matter_five_pages_phone_consent_submit_receipt_and_staff_see_it(dropoff_kiosk, ui):
    kiosk = dropoff_kiosk
    flow = kiosk.app.dropoff
    # GIVEN the card on the reader and 《就业创业证》申领 chosen
    to_capture(kiosk, ui, card="resident")
    capture = kiosk.screen("dropoff_capture")
    assert capture.place_text == zh.DROPOFF_PLACE.format(name=flow.draft.matter.materials[0].name)
    assert kiosk.runtime.camera_running

    # WHEN she lays 2 + 2 + 1 pages for the first three materials (the fourth is optional)
    for material, pages in enumerate((2, 2, 1)):
        assert flow.material_index == material
        for _ in range(pages):
            capture_page(kiosk, ui)
        assert capture.count_text == zh.DROPOFF_TAKEN.format(n=pages)
        ui.tap(capture.ids.next_material)
    # THEN the preview was live, with the page outlined while one lay there
    assert flow.previews_shown > 10
    assert capture.ids.preview.texture is not None
    kiosk.runtime.camera_simulator.place_page("form")
    ui.wait_until(lambda: len(capture.outline_points) == 8, 10, "the page outline over the preview")
    _measure_preview_rate(kiosk, ui)
    ui.wait_until(lambda: flow.draft.page_count == 6, 20, "the form to be taken too")
    ui.tap(capture.ids.retake)  # 重拍: the last page goes again
    kiosk.runtime.camera_simulator.take_page_away()
    assert [len(p) for p in flow.draft.pages] == [2, 2, 1, 0]

    ui.tap(capture.ids.next_material)  # the optional fourth: skipped
    review = kiosk.screen("dropoff_review")
    assert kiosk.current == "dropoff_review"
    assert len(review.thumbs()) == 5
    assert not kiosk.runtime.camera_running  # the camera runs only for its screen
    ui.tap(review.ids.next)
    give_phone(kiosk, ui)
    consent = kiosk.screen("dropoff_consent")
    assert "30天" in consent.notice and "加密" in consent.notice and "社保" in consent.notice

    # WHEN she agrees and submits
    ui.tap(consent.ids.agree)
    ui.wait_until(lambda: kiosk.current == "dropoff_receipt", 20, "the receipt screen")

    # THEN the code is on screen (4+4), and on the receipt that comes out of the printer
    receipt = kiosk.screen("dropoff_receipt")
    code = receipt.code
    assert len(code) == 8 and receipt.code_text == f"{code[:4]} {code[4:]}"
    assert "《就业创业证》申领" in receipt.details
    assert "页" in receipt.details and "审核" in receipt.review_text
    ui.wait_until(lambda: receipt.printed, 10, "the receipt to print")
    assert kiosk.printer.wait_for_jobs(1)
    printed = _printed_text(kiosk.printer.jobs[0])
    assert f"{code[:4]} {code[4:]}" in printed  # printed big, in two groups of four
    assert "《就业创业证》申领" in printed and ID_NUMBER not in printed
    assert flow.draft is None  # stored: nothing of the pages stays in the kiosk's memory

    # AND staff see it with 5 pages that open, and a 5-page PDF
    import pikepdf

    listed = kiosk.runtime.dropoff.list()
    assert [(v.code, v.page_count, v.matter_id) for v in listed] == [(code, 5, MATTER)]
    for number in range(1, 6):
        assert kiosk.runtime.dropoff.page(code, number)[:3] == b"\xff\xd8\xff"
    with pikepdf.open(io.BytesIO(kiosk.runtime.dropoff.pdf(code))) as pdf:
        assert len(pdf.pages) == 5

    ui.tap(receipt.ids.done)
    assert kiosk.current == "home" and kiosk.app.session.is_empty and receipt.code == ""


def _measure_preview_rate(kiosk, ui, seconds: float = 2.0) -> None:
    """Preview pictures on screen per second with the UI loop running freely (measured, not asserted)."""
    import time

    flow = kiosk.app.dropoff
    camera_frames = kiosk.runtime.camera.stats["frames"]
    shown, start = flow.previews_shown, time.monotonic()
    frames = 0
    while time.monotonic() - start < seconds:
        ui.pump(1)
        frames += 1
    elapsed = time.monotonic() - start
    rate = (flow.previews_shown - shown) / elapsed
    message = (f"drop-off preview: {rate:.1f} pictures/s on screen, UI loop {frames / elapsed:.1f} frames/s, "
               f"camera {(kiosk.runtime.camera.stats['frames'] - camera_frames) / elapsed:.1f} frames/s "
               f"(simulator paced at {kiosk.runtime.settings.devices.camera.simulator_fps:.0f})")
    log.warning("%s", message)
    print(message)


def _one_page_to_consent(kiosk, ui):
    to_capture(kiosk, ui, card="resident")
    capture_page(kiosk, ui)
    to_phone(kiosk, ui)
    give_phone(kiosk, ui)


def test_paper_out_keeps_the_code_on_screen_and_alerts_staff(dropoff_kiosk, ui):
    kiosk = dropoff_kiosk
    kiosk.printer.set_state("paper_out")
    _one_page_to_consent(kiosk, ui)
    ui.tap(kiosk.screen("dropoff_consent").ids.agree)
    ui.wait_until(lambda: kiosk.current == "dropoff_receipt", 20, "the receipt screen")
    receipt = kiosk.screen("dropoff_receipt")
    ui.wait_until(lambda: receipt.print_failed, 10, "the print failure")
    assert receipt.code and receipt.code_text.replace(" ", "") == receipt.code
    assert zh.DROPOFF_WRITE_DOWN in receipt.print_text and "缺纸" in receipt.print_text
    assert [(a.source, a.code) for a in kiosk.runtime.alerts.open_alerts()] == [("printer", "paper_out")]
    assert [v.code for v in kiosk.runtime.dropoff.list()] == [receipt.code]


def test_camera_gone_mid_flow_says_so_keeps_the_pages_and_goes_on_when_back(dropoff_kiosk, ui):
    kiosk = dropoff_kiosk
    flow = kiosk.app.dropoff
    to_capture(kiosk, ui)
    capture_page(kiosk, ui)
    capture = kiosk.screen("dropoff_capture")

    kiosk.runtime.camera_simulator.unplug()
    ui.wait_until(lambda: capture.camera_message == zh.DROPOFF_CAMERA_GONE, 10, "the camera-gone message")
    assert capture.ids.camera_message.opacity == 1 and capture.ids.shoot.disabled
    assert flow.draft.page_count == 1 and len(flow.thumbnails[0]) == 1
    assert kiosk.runtime.features.dropoff is False  # no new visitor is offered the tile meanwhile

    kiosk.runtime.camera_simulator.replug()
    ui.wait_until(lambda: capture.camera_message == "", 15, "the camera to come back")
    capture_page(kiosk, ui)
    assert flow.draft.page_count == 2 and kiosk.runtime.features.dropoff is True


def test_a_typed_id_number_with_a_wrong_check_digit_is_refused_in_chinese(dropoff_kiosk, ui):
    from kiosk.services.dropoff import DropoffError

    kiosk = dropoff_kiosk
    wrong = ID_NUMBER[:-1] + "0"
    with pytest.raises(DropoffError) as refusal:
        kiosk.runtime.dropoff.check_typed_id_number(wrong)
    open_dropoff(kiosk, ui)
    identity = kiosk.screen("dropoff_identity")
    keypad = identity.ids.keypad
    type_on(keypad, ui, wrong)
    ui.tap(key(keypad, zh.KEY_OK))
    assert kiosk.current == "dropoff_identity"
    assert identity.problem == refusal.value.message_zh != ""
    assert identity.ids.problem.opacity == 1
    # The right number goes on to the matters.
    type_on(keypad, ui, ID_NUMBER)
    ui.tap(key(keypad, zh.KEY_OK))
    ui.wait_until(lambda: kiosk.current == "dropoff_matter", 5, "the matter step")
    assert kiosk.app.dropoff.typed_id_number == ID_NUMBER


def test_idle_wipes_the_draft_thumbnails_and_preview(dropoff_kiosk, ui):
    kiosk = dropoff_kiosk
    flow = kiosk.app.dropoff
    to_capture(kiosk, ui)
    capture_page(kiosk, ui)
    draft = flow.draft
    assert draft.page_count == 1 and draft.id_number

    kiosk.app.idle_timeout()
    ui.pump(3)
    assert kiosk.current == "home"
    assert draft.page_count == 0 and draft.id_number == "" and draft.holder_name == "" and draft.phone == ""
    assert flow.draft is None and flow.thumbnails == [] and flow.holder is None
    assert kiosk.app.session.is_empty
    assert kiosk.screen("dropoff_capture").ids.preview.texture is None
    ui.wait_until(lambda: not kiosk.runtime.camera_running, 5, "the camera to stop")
    assert kiosk.runtime.dropoff.list() == []


def test_not_accepting_the_consent_submits_nothing_and_forgets_everything(dropoff_kiosk, ui):
    kiosk = dropoff_kiosk
    _one_page_to_consent(kiosk, ui)
    draft = kiosk.app.dropoff.draft
    assert draft.phone
    ui.tap(kiosk.screen("dropoff_consent").ids.disagree)
    assert kiosk.current == "home"
    assert draft.page_count == 0 and draft.phone == "" and not draft.consent
    assert kiosk.runtime.dropoff.list(status=None) == []
    assert kiosk.printer.jobs == []


def test_the_tile_and_the_guide_field_show_only_while_the_flow_is_on_and_the_camera_works(dropoff_kiosk, ui,
                                                                                           monkeypatch):
    kiosk = dropoff_kiosk
    home = kiosk.screen("home")
    # Probed, then stopped: no CPU spent while nobody scans (the stop follows the probe's answer).
    ui.wait_until(lambda: kiosk.runtime.features.dropoff and not kiosk.runtime.camera_running, 10,
                  "the camera probe, then the camera stopped")
    home.refresh()
    ui.settle()
    assert home.ids.dropoff.get_root_window() is not None and not home.ids.dropoff.disabled
    guide = kiosk.runtime.guides.guide(MATTER)
    assert any("下班后能否自助投递" in part for row in guide.display_fields(dropoff_available=True) for part in row)
    kiosk.app.open_guide(MATTER)
    ui.settle()
    texts = [w.text for w in kiosk.screen("guide_detail").walk() if isinstance(getattr(w, "text", None), str)]
    assert "下班后能否自助投递" in texts

    # The disk below the floor: the tile stays, greyed, with the reason up front.
    monkeypatch.setattr(kiosk.runtime.dropoff, "free_disk_mb", lambda: 10)
    kiosk.go("home")
    home.refresh()
    ui.settle()
    assert home.ids.dropoff.disabled and "存储空间不足" in home.ids.dropoff.text
    monkeypatch.undo()

    # The camera lost (here while the flow runs it): the tile goes, and the guide field with it.
    to_capture(kiosk, ui)
    kiosk.runtime.camera_simulator.unplug()
    ui.wait_until(lambda: not kiosk.runtime.features.dropoff, 10, "the camera to be reported lost")
    kiosk.app.go_home()
    ui.settle()
    assert home.ids.dropoff.get_root_window() is None
    assert [(a.source, a.code) for a in kiosk.runtime.alerts.open_alerts()] == [("camera", "camera_lost")]
    kiosk.app.open_guide(MATTER)
    ui.settle()
    texts = [w.text for w in kiosk.screen("guide_detail").walk() if isinstance(getattr(w, "text", None), str)]
    assert "下班后能否自助投递" not in texts


def test_a_refused_submit_says_why_and_keeps_the_draft_for_another_try(dropoff_kiosk, ui, monkeypatch):
    kiosk = dropoff_kiosk
    flow = kiosk.app.dropoff
    _one_page_to_consent(kiosk, ui)
    consent = kiosk.screen("dropoff_consent")
    monkeypatch.setattr(kiosk.runtime.dropoff, "free_disk_mb", lambda: 10)  # the disk filled up meanwhile
    ui.tap(consent.ids.agree)
    ui.wait_until(lambda: not flow.submitting, 10, "the refusal")
    assert kiosk.current == "dropoff_consent"
    assert "存储空间不足" in consent.problem and zh.DROPOFF_SAVE_KEPT in consent.problem
    assert flow.draft.page_count == 1 and flow.draft.phone  # nothing lost
    assert kiosk.runtime.dropoff.list(status=None) == []

    monkeypatch.undo()
    ui.tap(consent.ids.agree)
    ui.wait_until(lambda: kiosk.current == "dropoff_receipt", 20, "the receipt screen")
    assert [v.page_count for v in kiosk.runtime.dropoff.list()] == [1]


def test_a_page_with_a_quality_problem_is_not_added_and_says_why(dropoff_kiosk, ui):
    import numpy as np

    from devices.camera import messages_zh as camera_zh
    from devices.camera.events import PageCaptured
    from devices.camera.page_detect import Detection
    from devices.camera.page_make import FinishedPage, problem

    kiosk = dropoff_kiosk
    flow = kiosk.app.dropoff
    to_capture(kiosk, ui)
    blurred = FinishedPage(b"\xff\xd8\xff\xd9", "A4", (problem("blurry"), problem("glare")), (), (800, 1100))
    detection = Detection(np.zeros((4, 2), np.float32), 1.0, (640, 480))
    # As the capture thread hands it over.
    flow.post_camera_event(PageCaptured(blurred, detection, automatic=True))
    capture = kiosk.screen("dropoff_capture")
    ui.wait_until(lambda: capture.status, 5, "the page's problem on screen")
    assert capture.status == zh.DROPOFF_NOT_ADDED.format(reason=camera_zh.BLURRY) and capture.status_is_problem
    assert flow.draft.page_count == 0

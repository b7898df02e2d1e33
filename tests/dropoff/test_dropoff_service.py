"""The drop-off service as the counter, staff and a citizen's progress lookup use it:
real hall database, real sealed files under the data folder, the hall's calendar."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import stat

import pikepdf
import pytest
from PIL import Image

from dropoff_drafts import ID_NUMBER, MATTER, NAME, PHONE, fill_draft
from kiosk.errors import StoreError
from kiosk.services.dropoff import DropoffError, DropoffNotFound, DropoffStateError, LookupPaused


def test_a_submission_is_visible_to_staff_with_every_page_decryptable(hall, page_jpegs):
    service = hall.dropoff
    submitted = service.submit(fill_draft(service, page_jpegs, layout=(2, 2, 1)))

    assert len(submitted.code) == 8
    assert submitted.page_count == 5
    assert submitted.pages_per_material[:3] == (("身份证或社保卡、户口本", 2), ("《就（失）业登记表》", 2), ("照片", 1))
    # Saturday evening: staff look on Monday, the next working day.
    assert submitted.review_on == dt.date(2026, 11, 30)

    pending = service.list()
    assert [v.code for v in pending] == [submitted.code]
    assert pending[0].phone == "139****5678"  # masked in the list
    view = service.show(submitted.code, "staff:li")
    assert view.holder_name == NAME and view.phone == PHONE
    assert view.id_number_masked.startswith("1405") and ID_NUMBER not in view.id_number_masked
    assert [p.material_name for p in view.pages] == ["身份证或社保卡、户口本"] * 2 + ["《就（失）业登记表》"] * 2 + ["照片"]
    for number, (jpeg, width, height) in enumerate(page_jpegs, start=1):
        page = service.page(submitted.code, number)
        assert page == jpeg
        assert Image.open(io.BytesIO(page)).size == (width, height)
    with pikepdf.open(io.BytesIO(service.pdf(submitted.code))) as pdf:
        assert len(pdf.pages) == 5


def test_a_page_whose_top_the_camera_could_not_tell_is_flagged_for_staff(hall, page_jpegs):
    """A page with no readable text or QR is kept as laid: staff are told to check which way is up."""
    service = hall.dropoff
    submitted = service.submit(fill_draft(service, page_jpegs, unsure_pages=(3,)))
    view = service.show(submitted.code, "staff:li")
    assert [p.upright_sure for p in view.pages] == [True, True, False, True, True]
    assert [p["upright_sure"] for p in view.as_dict()["pages"]] == [True, True, False, True, True]


def test_scans_and_the_holder_are_unreadable_on_disk_without_the_key(hall, page_jpegs, data_dir):
    service = hall.dropoff
    service.submit(fill_draft(service, page_jpegs))
    hall.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    scans = list((data_dir / "scans").rglob("*.qxs"))
    assert len(scans) == 6  # five pages and the PDF
    for path in scans:
        raw = path.read_bytes()
        assert not raw.startswith(b"\xff\xd8") and b"%PDF" not in raw[:1024] and b"JFIF" not in raw
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    needles = [ID_NUMBER.encode(), NAME.encode(), NAME.encode("gb18030"), PHONE.encode()]
    for path in data_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert not any(n in raw for n in needles), f"personal data in clear in {path.relative_to(data_dir)}"
    key = data_dir / "dropoff.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32


def test_a_sealed_holder_pasted_into_another_row_does_not_open(hall, page_jpegs):
    service = hall.dropoff
    first = service.submit(fill_draft(service, page_jpegs))
    second = service.submit(fill_draft(service, page_jpegs))
    with hall.store.write() as conn:
        sealed = conn.execute("SELECT holder_sealed FROM dropoffs WHERE code = ?", (first.code,)).fetchone()[0]
        conn.execute("UPDATE dropoffs SET holder_sealed = ? WHERE code = ?", (sealed, second.code))
    with pytest.raises(StoreError) as caught:
        service.show(second.code)
    assert caught.value.code == "seal_broken"
    assert service.show(first.code).holder_name == NAME


def test_nothing_is_submitted_without_consent_a_phone_or_the_required_pages(hall, page_jpegs):
    service = hall.dropoff
    draft = fill_draft(service, page_jpegs)
    draft.consent = False
    with pytest.raises(DropoffError, match="consent"):
        service.submit(draft)
    draft.consent, draft.phone = True, "1391234"
    with pytest.raises(DropoffError) as caught:
        service.submit(draft)
    assert "11位" in caught.value.message_zh
    empty = service.start(MATTER, ID_NUMBER, NAME, from_card=True)
    empty.phone, empty.consent = PHONE, True
    with pytest.raises(DropoffError) as caught:
        service.submit(empty)
    assert caught.value.message_zh == "还没有拍任何材料"
    assert service.list(None) == []
    assert not any((hall.settings.data_dir / "scans").rglob("*.qxs"))


def test_a_typed_id_number_must_pass_its_check_digit(hall):
    with pytest.raises(DropoffError) as caught:
        hall.dropoff.start(MATTER, ID_NUMBER[:-1] + "9", NAME, from_card=False)
    assert "有一位不对" in caught.value.message_zh
    assert hall.dropoff.start(MATTER, ID_NUMBER.lower(), "", from_card=False).id_number == ID_NUMBER


def test_only_matters_whose_guide_allows_it_can_be_dropped_off(hall):
    ids = {m.id for m in hall.dropoff.matters()}
    assert MATTER in ids and "dibao" not in ids
    with pytest.raises(DropoffError) as caught:
        hall.dropoff.start("dibao", ID_NUMBER, NAME, from_card=True)
    assert "不能自助投递" in caught.value.message_zh


def test_review_steps_are_audited_and_the_citizen_sees_the_timeline(hall, page_jpegs, clock):
    service = hall.dropoff
    code = service.submit(fill_draft(service, page_jpegs)).code
    clock.advance(days=2, hours=-10)  # Monday 09:30
    corrected = service.request_correction(code, ["unclear"], "户口本本人页请重拍", "staff:li")
    assert corrected.status == "correction"
    progress = service.progress_by_card(ID_NUMBER)[0]
    assert progress.status_zh == "需要补正材料" and "照片看不清" in progress.note_zh and "户口本" in progress.note_zh
    with pytest.raises(DropoffStateError):
        service.mark_ready(code, "staff:li")  # not accepted yet

    accepted = service.accept(code, "staff:li")
    assert accepted.case_number == "QX202611300001"
    second = service.accept(service.submit(fill_draft(service, page_jpegs)).code, "staff:li")
    assert second.case_number == "QX202611300002"
    service.mark_ready(code, "staff:wang")
    progress = service.progress_by_code(code.lower(), ID_NUMBER[-4:])
    assert progress.ready_to_collect
    assert [s.status for s in progress.steps] == ["submitted", "correction", "accepted", "ready"]
    service.mark_collected(code, "staff:wang")
    audit = [(action, actor) for _at, action, actor, _ in service.show(code, "staff:zhao").audit]
    assert audit[:6] == [("submitted", "kiosk"), ("correction", "staff:li"), ("accepted", "staff:li"),
                         ("ready", "staff:wang"), ("collected", "staff:wang"), ("viewed", "staff:zhao")]
    with hall.store.write() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM dropoff_audit")


def test_wrong_codes_are_rate_limited_and_logged_without_the_code_owner(hall, page_jpegs, clock, caplog):
    service = hall.dropoff
    code = service.submit(fill_draft(service, page_jpegs)).code
    limit = hall.settings.dropoff.lookup_max_wrong
    for attempt in range(limit):
        with pytest.raises(DropoffNotFound) as caught:
            service.progress_by_code(code, "0000")
        assert "不对" in caught.value.message_zh
    with pytest.raises(LookupPaused) as caught:
        service.progress_by_code(code, ID_NUMBER[-4:])  # even the right answer waits now
    assert "分钟后再试" in caught.value.message_zh
    assert service.progress_by_card(ID_NUMBER)[0].code == code  # the card still works
    clock.advance(minutes=hall.settings.dropoff.lookup_window_minutes + 1)
    assert service.progress_by_code(code, ID_NUMBER[-4:]).code == code


def test_the_pdf_export_is_the_audited_way_out_and_never_overwrites(hall, page_jpegs, tmp_path):
    service = hall.dropoff
    code = service.submit(fill_draft(service, page_jpegs)).code
    out = service.export_pdf(code, tmp_path / "case.pdf", "staff:li", "转县人社局")
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 5
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        service.export_pdf(code, out, "staff:li")
    actions = [json.loads(detail or "{}").get("reason") for _at, action, _actor, detail
               in service.show(code).audit if action == "pdf_exported"]
    assert actions == ["转县人社局"]


def test_a_correction_never_brought_in_lapses_and_its_scans_then_go(hall, page_jpegs, clock):
    """A citizen told to bring a 补正 who never comes: the case ends after correction_wait_days,
    the lookup says so, and the scans' retention runs from then (not for ever)."""
    service = hall.dropoff
    wait_days = hall.settings.dropoff.correction_wait_days
    waiting = service.submit(fill_draft(service, page_jpegs)).code
    answered = service.submit(fill_draft(service, page_jpegs)).code
    clock.advance(days=2, hours=-10)  # Monday 2026-11-30 09:30
    for code in (waiting, answered):
        service.request_correction(code, ["missing"], "", "staff:li")
    # The citizen is told the last day with the request.
    told = service.progress_by_code(waiting, ID_NUMBER[-4:]).note_zh
    assert "请在2026年12月30日前到综合受理窗口补正" in told
    clock.advance(days=wait_days - 1)
    service.accept(answered, "staff:li")  # this one came back in time
    assert service.close_lapsed_corrections() == 0
    clock.advance(days=1, minutes=1)
    assert service.close_lapsed_corrections() == 1
    assert service.close_lapsed_corrections() == 0  # once only

    progress = service.progress_by_code(waiting, ID_NUMBER[-4:])
    assert progress.status == "lapsed" and progress.status_zh == "逾期未补正，本次投递已结束"
    assert f"超过{wait_days}天未补正" in progress.note_zh
    assert [s.status for s in progress.steps] == ["submitted", "correction", "lapsed"]
    assert service.show(answered).status == "accepted"
    assert [v.code for v in service.list("lapsed")] == [waiting]
    with pytest.raises(DropoffStateError):
        service.accept(waiting, "staff:li")  # ended: a new drop-off or the counter
    clock.advance(days=hall.settings.dropoff.scan_retention_days + 1)
    assert service.purge_expired_scans() == 1
    assert service.show(waiting).scans_deleted and not service.show(answered).scans_deleted


def test_scans_go_after_retention_and_the_figures_stay(hall, page_jpegs, clock, data_dir, caplog):
    service = hall.dropoff
    kept = service.submit(fill_draft(service, page_jpegs)).code
    closed = service.submit(fill_draft(service, page_jpegs[:3], layout=(1, 1, 1))).code
    service.reject(closed, "不属于本厅受理范围", "staff:li")
    clock.advance(days=hall.settings.dropoff.scan_retention_days - 1)
    assert service.purge_expired_scans() == 0
    clock.advance(days=2)
    with caplog.at_level(logging.INFO):
        assert service.purge_expired_scans() == 1
    assert f"drop-off {closed}: scans and contact details deleted" in caplog.text
    view = service.show(closed)
    assert view.scans_deleted and view.page_count == 3 and view.matter_name and view.status == "rejected"
    assert view.holder_name == "" and not any(p.available for p in view.pages)
    with pytest.raises(DropoffStateError) as caught:
        service.page(closed, 1)
    assert "已按规定期限删除" in caught.value.message_zh
    # Pages shared with the still-open case are kept for it.
    assert all(service.page(kept, n) for n in range(1, 6))
    assert len(list((data_dir / "scans").rglob("*.qxs"))) == 6


def test_a_submission_interrupted_before_its_row_leaves_nothing_after_the_sweep(hall, page_jpegs, data_dir,
                                                                              monkeypatch):
    service = hall.dropoff
    service.submit(fill_draft(service, page_jpegs[:1], layout=(1,)))
    before = set((data_dir / "scans").rglob("*.qxs"))

    def crash(*args, **kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(service.store, "write", crash)
    with pytest.raises(OSError):
        service.submit(fill_draft(service, page_jpegs[1:4], layout=(1, 1, 1)))
    monkeypatch.undo()
    assert len(set((data_dir / "scans").rglob("*.qxs"))) == len(before) + 4  # written, not recorded
    assert len(service.sweep()) == 4
    assert set((data_dir / "scans").rglob("*.qxs")) == before
    assert len(service.list(None)) == 1


def test_a_full_disk_pauses_the_tile_up_front(hall, monkeypatch):
    import shutil

    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: real(path)._replace(free=(hall.settings.dropoff.min_free_disk_mb - 1) << 20))
    state = hall.dropoff.availability(camera_works=True)
    assert not state.open and "存储空间不足" in state.message_zh
    assert "below the floor" in state.message_en
    assert not hall.dropoff.availability(camera_works=False).open


def test_a_systemd_credential_is_the_key_and_a_different_key_file_beside_it_is_refused(settings, clock, data_dir,
                                                                                      tmp_path, monkeypatch,
                                                                                      page_jpegs):
    from kiosk.root.hall import open_hall

    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "qinxin-dropoff-key").write_bytes(bytes(range(32)))
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    hall = open_hall(settings, clock)
    try:
        code = hall.dropoff.submit(fill_draft(hall.dropoff, page_jpegs)).code
        assert not (data_dir / "dropoff.key").exists()  # the credential is the key: no copy on disk
        assert hall.dropoff.page(code, 1) == page_jpegs[0][0]
    finally:
        hall.close()
    (data_dir / "dropoff.key").write_bytes(bytes(32))
    hall = open_hall(settings, clock)
    try:
        with pytest.raises(StoreError) as caught:
            hall.dropoff.page(code, 1)
        assert "two different drop-off keys" in caught.value.message_en
    finally:
        hall.close()


def test_the_holder_never_reaches_the_log_or_the_receipt(hall, page_jpegs, caplog, clock):
    from devices.printer.layouts import layout

    service = hall.dropoff
    with caplog.at_level(logging.DEBUG):
        submitted = service.submit(fill_draft(service, page_jpegs))
        service.show(submitted.code)
        service.progress_by_card(ID_NUMBER)
        with pytest.raises(DropoffNotFound):
            service.progress_by_code(submitted.code, "0000")
        clock.advance(days=2, hours=-10)
        service.accept(submitted.code, "staff:li")
    for secret in (ID_NUMBER, ID_NUMBER[-8:], NAME, PHONE):
        assert secret not in caplog.text
    document = layout(service.receipt(submitted), 576, show_masked_name=True)
    printed = "\n".join(getattr(block, "text", "") for block in document.blocks)
    assert submitted.code[:4] in printed and "王**" in printed
    assert NAME not in printed and ID_NUMBER not in printed and PHONE not in printed
    assert "11月30日（星期一）" in printed and "以窗口告知为准" in printed


def test_a_disk_filling_up_mid_submission_says_so_keeps_the_draft_and_leaves_nothing(hall, page_jpegs, data_dir,
                                                                                      monkeypatch):
    import errno

    from kiosk.dropoff import blobs

    service = hall.dropoff
    draft = fill_draft(service, page_jpegs)
    real_write, writes = os.write, []

    def write_until_full(fd, data):
        writes.append(fd)
        if len(writes) > 3 and len(data) > 1000:  # the intent lines are small; the third scan hits the wall
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(blobs.os, "write", write_until_full)
    with pytest.raises(StoreError) as caught:
        service.submit(draft)
    monkeypatch.undo()
    assert caught.value.code == "disk_full" and "存储空间不够" in caught.value.message_zh
    assert draft.page_count == 5 and draft.consent  # nothing the citizen did is lost
    assert service.list(None) == []
    service.sweep()
    assert not list((data_dir / "scans").rglob("*.qxs")) and not list((data_dir / "scans").rglob(".*.part"))
    assert service.submit(draft).page_count == 5  # and once there is room, it goes through

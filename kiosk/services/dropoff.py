"""The after-hours drop-off (自助投递) for every front end: the kiosk's screens, the
counter's `kiosk dropoff submit`, staff review, and progress lookup.

The citizen's flow is: a Draft (holder, matter, pages per material, phone, consent)
kept in the front end's memory → `submit()`: pages and one PDF sealed and written
(fsynced) as content-named files, then one transaction records the submission,
its pages and the audit row. 已提交 may be shown only when `submit()` returns; a crash
before that leaves no row, and the start-up `sweep()` removes the files. Staff then
accept (a case number 办件编号; the promised time limit starts), ask for a correction
(补正) or reject; the result is marked ready at 综合出件 and collected. Every step
is a row in the append-only `dropoff_audit`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from devices.base.clock import HALL_TZ, Clock
from devices.base.errors import KioskError
from devices.base.masking import mask_id_number, mask_name, mask_phone
from kiosk.alerts import AlertLog
from kiosk.config import Settings
from kiosk.dropoff import codes
from kiosk.dropoff.blobs import BlobStore, DiskFull
from kiosk.dropoff.models import (CORRECTION_REASONS, STATUS_ZH, Draft, DraftPage, MaterialSlot, MatterChoice,
                                  PageInfo, Progress, StaffView, Submitted, TimelineStep)
from kiosk.dropoff.vault import Vault
from kiosk.hall_hours import add_working_days, review_day
from kiosk.identity import check_id_number, check_phone, normalise_id_number, normalise_phone
from kiosk.services.links import PublicLinks
from kiosk.store import Store

log = logging.getLogger(__name__)


class DropoffError(KioskError):
    code = "dropoff_error"


class DropoffNotFound(DropoffError):
    code = "dropoff_not_found"


class DropoffStateError(DropoffError):
    code = "dropoff_state"


class LookupPaused(DropoffError):
    code = "lookup_paused"


@dataclass(frozen=True)
class Availability:
    open: bool
    message_zh: str = ""
    message_en: str = ""


# What staff may do from each status.
TRANSITIONS = {
    "accept": ("submitted", "correction"),
    "correct": ("submitted",),
    "reject": ("submitted", "correction"),
    "ready": ("accepted",),
    "collect": ("ready",),
}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(HALL_TZ).isoformat(timespec="seconds")


def _parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def day_text(day: dt.date | None) -> str:
    if day is None:
        return "下一个工作日"
    weekdays = "一二三四五六日"
    return f"{day.month}月{day.day}日（星期{weekdays[day.weekday()]}）"


def time_limit_text(promised_working_days: int | None) -> str:
    if promised_working_days is None:
        return "以窗口告知为准"
    if promised_working_days == 0:
        return "受理后当场办结"
    return f"受理后{promised_working_days}个工作日内"


class DropoffService:
    def __init__(self, settings: Settings, store: Store, clock: Clock, vault: Vault, blobs: BlobStore,
                 catalogue: Callable[[], object], alerts: AlertLog, links: PublicLinks | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.vault = vault
        self.blobs = blobs
        self._catalogue = catalogue
        self.alerts = alerts
        self.links = links

    # -- can it be used now ------------------------------------------------------------
    def availability(self, camera_works: bool = True) -> Availability:
        """Is the Home tile on, and if not, why (said up front, before any scanning)."""
        if not self.settings.dropoff.enabled:
            return Availability(False, "本机暂不提供自助投递", "drop-off disabled in the settings")
        if not camera_works:
            return Availability(False, "高拍仪暂时不能用，自助投递暂停，请工作日到窗口办理", "camera not working")
        free_mb = self.free_disk_mb()
        if free_mb < self.settings.dropoff.min_free_disk_mb:
            return Availability(False, "本机存储空间不足，自助投递暂停，请工作日到窗口办理",
                                f"{free_mb} MB free, below the floor of {self.settings.dropoff.min_free_disk_mb} MB")
        return Availability(True)

    def free_disk_mb(self) -> int:
        folder = self.blobs.root if self.blobs.root.exists() else self.settings.data_dir
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return shutil.disk_usage(folder).free // (1024 * 1024)

    # -- choosing ------------------------------------------------------------------------
    def matters(self) -> list[MatterChoice]:
        """The matters whose guide allows handing the materials in after hours."""
        return [self._choice(g) for g in self._catalogue() if g.after_hours_dropoff_allowed
                and not g.in_person_required]

    def matter(self, matter_id: str) -> MatterChoice:
        for choice in self.matters():
            if choice.id == matter_id:
                return choice
        raise DropoffError(f"matter {matter_id!r} does not take drop-offs", "这个事项不能自助投递，请工作日到窗口办理",
                           matter=matter_id)

    @staticmethod
    def _choice(guide) -> MatterChoice:
        slots = []
        for material in guide.materials:
            note = "、".join(x for x in (material.original_or_copy, material.case) if x)
            slots.append(MaterialSlot(material.name, material.requirement == "必要", note))
        if not slots:
            slots.append(MaterialSlot("办事材料", True, "请按办事指南准备"))
        return MatterChoice(guide.id, guide.name, guide.department, tuple(slots),
                            guide.time_limit.promised_working_days)

    def start(self, matter_id: str, id_number: str, holder_name: str = "", from_card: bool = False) -> Draft:
        """A new draft; a typed ID number must pass its check digit."""
        number = normalise_id_number(id_number)
        if not from_card:
            self.check_typed_id_number(number)
        return Draft(self.matter(matter_id), holder_name.strip(), number, from_card)

    def check_typed_id_number(self, id_number: str) -> str:
        """A typed ID number (shape, birth date, check digit): the normalised number, or DropoffError.

        The kiosk asks this at its identity step, before a matter is chosen, with the
        same refusal `start()` gives."""
        number = normalise_id_number(id_number)
        verdict = check_id_number(number, self.clock.now().astimezone(HALL_TZ).date())
        if not verdict.ok:
            raise DropoffError(f"ID number refused: {verdict.message_en}", verdict.message_zh)
        return number

    def add_page(self, draft: Draft, material_index: int, jpeg: bytes, width: int, height: int,
                 upright_sure: bool = True) -> DraftPage:
        limits = self.settings.dropoff
        if not 0 <= material_index < len(draft.pages):
            raise DropoffError(f"no material {material_index}", "请先选择是哪一项材料")
        if len(draft.pages[material_index]) >= limits.max_pages_per_material:
            raise DropoffError("too many pages for one material",
                               f"这一项材料最多拍{limits.max_pages_per_material}页")
        if draft.page_count >= limits.max_pages:
            raise DropoffError("too many pages", f"一次最多投递{limits.max_pages}页")
        page = DraftPage(jpeg, width, height, upright_sure)
        draft.pages[material_index].append(page)
        return page

    def add_page_from_file(self, draft: Draft, material_index: int, path: str | Path) -> DraftPage:
        """A page from a photo or scan file (the counter's assisted submission)."""
        from devices.camera.files import page_from_file

        finished = page_from_file(Path(path), self.settings.devices.camera)
        width, height = finished.size_px
        return self.add_page(draft, material_index, finished.jpeg_bytes, width, height,
                             finished.orientation_confident)

    @staticmethod
    def check_phone(phone: str):
        return check_phone(phone)

    # -- submitting -----------------------------------------------------------------------
    def submit(self, draft: Draft, actor: str = "kiosk", channel: str = "kiosk") -> Submitted:
        """Seal, write and record; returns only once everything is durable."""
        if not draft.consent:
            raise DropoffError("consent not given", "需要您同意个人信息处理规则后才能提交")
        missing = draft.missing_required()
        if missing:
            raise DropoffError(f"{len(missing)} required material(s) without pages",
                               f"还缺：{'、'.join(missing)}。请拍好后再提交")
        if draft.page_count == 0:
            raise DropoffError("no pages", "还没有拍任何材料")
        phone_verdict = check_phone(draft.phone)
        if not phone_verdict.ok:
            raise DropoffError(f"phone refused: {phone_verdict.message_en}", phone_verdict.message_zh)
        available = self.availability()
        if not available.open:
            raise DiskFull(available.message_en, available.message_zh)
        from devices.camera.bundle import pdf_bytes

        now = self.clock.now()
        matter = draft.matter
        pages = [(index, slot.name, page) for index, (slot, pages) in enumerate(zip(matter.materials, draft.pages))
                 for page in pages]
        pdf = pdf_bytes([page.jpeg for _, _, page in pages])
        holder = json.dumps({"name": draft.holder_name, "id_number": draft.id_number,
                             "phone": normalise_phone(draft.phone)}, ensure_ascii=False)
        review_on = review_day(self.settings.hours, now)
        with self.blobs.intent() as intent:
            names = [self.blobs.put(page.jpeg, intent) for _, _, page in pages]
            pdf_name = self.blobs.put(pdf, intent)
            for _attempt in range(5):
                code = codes.new_code()
                with self.store.write() as conn:
                    if conn.execute("SELECT 1 FROM dropoffs WHERE code = ?", (code,)).fetchone():
                        continue  # 1 in 3.8e10 per existing code: draw again
                    cursor = conn.execute(
                        "INSERT INTO dropoffs (code, matter_id, matter_name, department, channel, status,"
                        " holder_lookup, holder_sealed, masked_name, page_count, materials, pdf_blob,"
                        " submitted_at, review_on, promised_working_days, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, 'submitted', ?, '', ?, ?, ?, ?, ?, ?, ?, ?)",
                        (code, matter.id, matter.name, matter.department, channel,
                         self.vault.lookup_hash(draft.id_number), mask_name(draft.holder_name), len(pages),
                         json.dumps([s.name for s in matter.materials], ensure_ascii=False), pdf_name,
                         _iso(now), review_on.isoformat() if review_on else None, matter.promised_working_days,
                         _iso(now)))
                    row_id = cursor.lastrowid
                    # Sealed against its own row: pasted into another row it does not open.
                    conn.execute("UPDATE dropoffs SET holder_sealed = ? WHERE id = ?",
                                 (self.vault.seal_text(holder, f"holder:{row_id}"), row_id))
                    conn.executemany(
                        "INSERT INTO dropoff_pages (dropoff_id, page_number, material_index, material_name, blob,"
                        " width, height, size_bytes, upright_sure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(row_id, number, index, name, blob, page.width, page.height, len(page.jpeg),
                          int(page.upright_sure))
                         for number, ((index, name, page), blob) in enumerate(zip(pages, names), start=1)])
                    self._audit(conn, row_id, "submitted", actor, {"pages": len(pages), "channel": channel})
                break
            else:
                raise DropoffError("could not draw a free code", "系统繁忙，请稍后再试")
        log.info("drop-off %s submitted: matter %s, %d pages, channel %s", code, matter.id, len(pages), channel)
        counts: dict[int, int] = {}
        for index, _name, _page in pages:
            counts[index] = counts.get(index, 0) + 1
        return Submitted(code, matter.name, len(pages),
                         tuple((slot.name, counts.get(i, 0)) for i, slot in enumerate(matter.materials)),
                         mask_name(draft.holder_name), now, review_on, matter.promised_working_days)

    def receipt(self, submitted: Submitted):
        from devices.printer.layouts import DropoffReceipt

        return DropoffReceipt(
            hall_name=self.settings.hall.name, submission_code=submitted.code, matter_name=submitted.matter_name,
            page_count=submitted.page_count, submitted_at=submitted.submitted_at,
            qr_url=self.links.dropoff(submitted.code) if self.links is not None else "",
            masked_name=submitted.masked_name,
            pages_per_material=tuple((n, c) for n, c in submitted.pages_per_material if c),
            review_day_text=day_text(submitted.review_on),
            time_limit_text=time_limit_text(submitted.promised_working_days))

    def _audit(self, conn, dropoff_id: int | None, action: str, actor: str, data: dict | None = None) -> None:
        conn.execute("INSERT INTO dropoff_audit (at, dropoff_id, action, actor, data) VALUES (?, ?, ?, ?, ?)",
                     (_iso(self.clock.now()), dropoff_id, action, actor,
                      json.dumps(data, ensure_ascii=False) if data else None))

    # -- staff --------------------------------------------------------------------------------
    def list(self, status: str | None = "submitted") -> list[StaffView]:
        query = "SELECT * FROM dropoffs" + (" WHERE status = ?" if status else "") + " ORDER BY submitted_at, id"
        with self.store.read() as conn:
            rows = conn.execute(query, (status,) if status else ()).fetchall()
        return [self._staff_view(row, with_details=False) for row in rows]

    def show(self, code: str, actor: str = "staff", with_contact: bool = True) -> StaffView:
        """One drop-off with its pages and audit trail (audited as viewed). `with_contact=False`: the
        name and phone stay masked (a reader who does not call citizens back, e.g. the county auditor)."""
        row = self._row(code)
        with self.store.write() as conn:
            self._audit(conn, row["id"], "viewed", actor)
        return self._staff_view(row, with_details=True, with_contact=with_contact)

    def page(self, code: str, number: int, actor: str = "staff") -> bytes:
        """One page's JPEG, decrypted in memory (never written to disk in clear)."""
        row = self._row(code)
        with self.store.query() as conn:
            page = conn.execute("SELECT blob FROM dropoff_pages WHERE dropoff_id = ? AND page_number = ?",
                                (row["id"], number)).fetchone()
        if page is None:
            raise DropoffNotFound(f"{code} has no page {number}", f"没有第{number}页")
        if page["blob"] is None:
            raise DropoffStateError(f"{code}: the scans were deleted after the retention period",
                                    "这份材料的扫描件已按规定期限删除")
        return self.blobs.get(page["blob"])

    def pdf(self, code: str) -> bytes:
        row = self._row(code)
        if row["pdf_blob"] is None:
            raise DropoffStateError(f"{code}: the scans were deleted after the retention period",
                                    "这份材料的扫描件已按规定期限删除")
        return self.blobs.get(row["pdf_blob"])

    def export_pdf(self, code: str, out: Path, actor: str, reason: str = "") -> Path:
        """The one way a scan leaves the vault in clear: an explicit, audited export."""
        data = self.pdf(code)
        row = self._row(code)
        out = Path(out)
        fd = os.open(out, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        with self.store.write() as conn:
            self._audit(conn, row["id"], "pdf_exported", actor, {"to": str(out.resolve()), "reason": reason})
        log.warning("drop-off %s exported in clear to %s by %s", code, out, actor)
        return out

    def accept(self, code: str, actor: str) -> StaffView:
        now = self.clock.now()
        row = self._row(code)
        self._check_transition(row, "accept")
        today = now.astimezone(HALL_TZ).date()
        promised = row["promised_working_days"]
        due = add_working_days(self.settings.hours, today, promised) if promised is not None else None
        with self.store.write() as conn:
            fresh = conn.execute("SELECT status FROM dropoffs WHERE id = ?", (row["id"],)).fetchone()
            self._check_transition(fresh, "accept", code)
            prefix = f"QX{today:%Y%m%d}"
            last = conn.execute("SELECT MAX(case_number) FROM dropoffs WHERE case_number LIKE ?",
                                (prefix + "%",)).fetchone()[0]
            case_number = f"{prefix}{(int(last[len(prefix):]) + 1) if last else 1:04d}"
            conn.execute("UPDATE dropoffs SET status = 'accepted', case_number = ?, accepted_at = ?, due_on = ?,"
                         " status_note = '', updated_at = ? WHERE id = ?",
                         (case_number, _iso(now), due.isoformat() if due else None, _iso(now), row["id"]))
            self._audit(conn, row["id"], "accepted", actor, {"case_number": case_number})
        return self._staff_view(self._row(code), with_details=True)

    def request_correction(self, code: str, reasons: list[str], text: str, actor: str) -> StaffView:
        unknown = [r for r in reasons if r not in CORRECTION_REASONS]
        if unknown or not (reasons or text.strip()):
            raise DropoffError(f"correction reasons {unknown or 'missing'}; choose from {sorted(CORRECTION_REASONS)}",
                               "请选择补正原因")
        note = "；".join([CORRECTION_REASONS[r] for r in reasons] + ([text.strip()] if text.strip() else []))
        wait_days = self.settings.dropoff.correction_wait_days
        until = (self.clock.now() + dt.timedelta(days=wait_days)).astimezone(HALL_TZ).date()
        note += f"。请在{until.year}年{until.month}月{until.day}日前到综合受理窗口补正，逾期本次投递将结束"
        return self._decide(code, "correct", "correction", note, actor,
                            {"reasons": reasons, "text": text.strip(), "until": until.isoformat()})

    def reject(self, code: str, reason: str, actor: str) -> StaffView:
        if not reason.strip():
            raise DropoffError("a rejection needs a reason", "请写明不予受理的原因")
        return self._decide(code, "reject", "rejected", reason.strip(), actor, {"reason": reason.strip()},
                            closes=True)

    def mark_ready(self, code: str, actor: str) -> StaffView:
        return self._decide(code, "ready", "ready", "", actor, None)

    def mark_collected(self, code: str, actor: str) -> StaffView:
        return self._decide(code, "collect", "collected", "", actor, None, closes=True)

    def _decide(self, code: str, action: str, status: str, note: str, actor: str, data: dict | None,
                closes: bool = False) -> StaffView:
        now = self.clock.now()
        row = self._row(code)
        with self.store.write() as conn:
            fresh = conn.execute("SELECT status FROM dropoffs WHERE id = ?", (row["id"],)).fetchone()
            self._check_transition(fresh, action, code)
            conn.execute("UPDATE dropoffs SET status = ?, status_note = ?, updated_at = ?,"
                         " closed_at = CASE WHEN ? THEN ? ELSE closed_at END WHERE id = ?",
                         (status, note, _iso(now), closes, _iso(now), row["id"]))
            self._audit(conn, row["id"], status, actor, data)
        return self._staff_view(self._row(code), with_details=True)

    @staticmethod
    def _check_transition(row, action: str, code: str = "") -> None:
        if row["status"] not in TRANSITIONS[action]:
            raise DropoffStateError(f"cannot {action} a drop-off that is {row['status']}",
                                    f"这份投递现在是“{STATUS_ZH[row['status']]}”，不能这样操作")

    def _row(self, code: str):
        normalised = codes.normalise_code(code)
        with self.store.query() as conn:
            row = conn.execute("SELECT * FROM dropoffs WHERE code = ?", (normalised,)).fetchone()
        if row is None:
            raise DropoffNotFound(f"no drop-off {normalised!r}", "没有找到这个投递码，请核对后再输入")
        return row

    def _holder(self, row) -> dict:
        return json.loads(self.vault.open_text(row["holder_sealed"], f"holder:{row['id']}"))

    def _staff_view(self, row, with_details: bool, with_contact: bool = True) -> StaffView:
        with self.store.read() as conn:
            pages = conn.execute("SELECT * FROM dropoff_pages WHERE dropoff_id = ? ORDER BY page_number",
                                 (row["id"],)).fetchall()
            audit = conn.execute("SELECT at, action, actor, data FROM dropoff_audit WHERE dropoff_id = ? ORDER BY id",
                                 (row["id"],)).fetchall() if with_details else []
        holder = self._holder(row)
        return StaffView(
            id=row["id"], code=row["code"], matter_id=row["matter_id"], matter_name=row["matter_name"],
            department=row["department"], channel=row["channel"], status=row["status"],
            holder_name=holder["name"] if with_contact else row["masked_name"], id_number_masked=mask_id_number(holder["id_number"]),
            # The window calls the citizen back on it: shown whole to staff, masked in lists.
            phone=holder["phone"] if with_details and with_contact else mask_phone(holder["phone"]),
            page_count=row["page_count"], submitted_at=_parse(row["submitted_at"]),
            review_on=_date(row["review_on"]), case_number=row["case_number"],
            accepted_at=_parse(row["accepted_at"]), due_on=_date(row["due_on"]), status_note=row["status_note"],
            pages=tuple(PageInfo(p["page_number"], p["material_index"], p["material_name"], p["width"], p["height"],
                                 p["size_bytes"], p["blob"] is not None, bool(p["upright_sure"])) for p in pages),
            scans_deleted=row["scans_deleted_at"] is not None,
            audit=tuple((a["at"], a["action"], a["actor"], a["data"] or "") for a in audit),
            masked_name=row["masked_name"] or "")

    # -- progress for the citizen ---------------------------------------------------------
    def progress_by_card(self, id_number: str) -> list[Progress]:
        """Every drop-off of the card's holder, newest first (the card proves who asks)."""
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM dropoffs WHERE holder_lookup = ? ORDER BY submitted_at DESC",
                                (self.vault.lookup_hash(normalise_id_number(id_number)),)).fetchall()
        return [self._progress(row) for row in rows]

    def progress_by_code(self, code: str, id_last4: str, source: str = "kiosk") -> Progress:
        """One drop-off by its code plus the last 4 of the ID number; wrong tries are limited."""
        limits = self.settings.dropoff
        now = self.clock.now()
        since = _iso(now - dt.timedelta(minutes=limits.lookup_window_minutes))
        with self.store.query() as conn:
            wrong = conn.execute("SELECT COUNT(*) FROM dropoff_audit WHERE action = 'lookup_wrong' AND actor = ?"
                                 " AND at >= ?", (source, since)).fetchone()[0]
        if wrong >= limits.lookup_max_wrong:
            raise LookupPaused(f"{wrong} wrong lookups from {source} in {limits.lookup_window_minutes} min",
                               f"输错次数太多，请{limits.lookup_window_minutes}分钟后再试，或刷身份证查询")
        normalised = codes.normalise_code(code)
        row = None
        if codes.looks_like_code(normalised):
            with self.store.query() as conn:
                row = conn.execute("SELECT * FROM dropoffs WHERE code = ?", (normalised,)).fetchone()
        last4 = normalise_id_number(id_last4)
        if row is None or not self._holder(row)["id_number"].endswith(last4) or len(last4) != 4:
            with self.store.write() as conn:
                conn.execute("INSERT INTO dropoff_audit (at, dropoff_id, action, actor, data) VALUES (?, NULL,"
                             " 'lookup_wrong', ?, NULL)", (_iso(now), source))
            log.info("a progress lookup by code from %s did not match", source)
            left = limits.lookup_max_wrong - wrong - 1
            hint = f"（还可以试{left}次）" if left > 0 else ""
            raise DropoffNotFound("code and last 4 digits do not match a drop-off",
                                  "投递码或身份证后4位不对，请对照回执再输入" + hint)
        return self._progress(row)

    def _progress(self, row) -> Progress:
        with self.store.read() as conn:
            # The steps of the timeline are the audit rows that set a status (views, exports are not).
            marks = ", ".join("?" * len(STATUS_ZH))
            audit = conn.execute(f"SELECT at, action, data FROM dropoff_audit WHERE dropoff_id = ? AND action IN"
                                 f" ({marks}) ORDER BY id", (row["id"], *STATUS_ZH)).fetchall()
        steps = []
        for entry in audit:
            text = STATUS_ZH[entry["action"]]
            steps.append(TimelineStep(_parse(entry["at"]), entry["action"], text))
        note = row["status_note"] or ""
        return Progress(code=row["code"], matter_name=row["matter_name"], status=row["status"],
                        status_zh=STATUS_ZH[row["status"]], masked_name=row["masked_name"],
                        submitted_at=_parse(row["submitted_at"]), review_on=_date(row["review_on"]),
                        case_number=row["case_number"], due_on=_date(row["due_on"]), note_zh=note,
                        steps=tuple(steps))

    # -- housekeeping ---------------------------------------------------------------------------
    def sweep(self) -> list[str]:
        """Remove the files of submissions that never completed (start-up, daily)."""
        def referenced():
            with self.store.query() as conn:
                names = {r[0] for r in conn.execute("SELECT blob FROM dropoff_pages WHERE blob IS NOT NULL")}
                names |= {r[0] for r in conn.execute("SELECT pdf_blob FROM dropoffs WHERE pdf_blob IS NOT NULL")}
            return names
        return self.blobs.sweep(referenced)

    def close_lapsed_corrections(self) -> int:
        """Close the cases that waited for 补正 longer than correction_wait_days (daily job).

        The citizen's lookup then says the drop-off has ended, and the scans' retention
        starts from now. Returns how many cases lapsed."""
        now = self.clock.now()
        wait_days = self.settings.dropoff.correction_wait_days
        cutoff = _iso(now - dt.timedelta(days=wait_days))
        note = f"超过{wait_days}天未补正，本次投递已结束。如仍需办理，请重新投递或到综合受理窗口办理"
        with self.store.query() as conn:
            due = conn.execute(
                "SELECT d.id, d.code FROM dropoffs d WHERE d.status = 'correction' AND"
                " (SELECT MAX(a.at) FROM dropoff_audit a WHERE a.dropoff_id = d.id AND a.action = 'correction') < ?",
                (cutoff,)).fetchall()
        lapsed = 0
        for row in due:
            with self.store.write() as conn:
                # The status is checked again inside the write: staff may have accepted it meanwhile.
                changed = conn.execute("UPDATE dropoffs SET status = 'lapsed', status_note = ?, closed_at = ?,"
                                       " updated_at = ? WHERE id = ? AND status = 'correction'",
                                       (note, _iso(now), _iso(now), row["id"])).rowcount
                if changed:
                    self._audit(conn, row["id"], "lapsed", "system", {"days": wait_days})
            if changed:
                lapsed += 1
                log.info("drop-off %s lapsed: no correction in %d days", row["code"], wait_days)
        return lapsed

    def purge_expired_scans(self) -> int:
        """Delete the scans of cases closed more than scan_retention_days ago; keeps the row
        (matter, dates, page count: what the county's figures need). Returns how many cases."""
        now = self.clock.now()
        cutoff = _iso(now - dt.timedelta(days=self.settings.dropoff.scan_retention_days))
        with self.store.query() as conn:
            due = conn.execute("SELECT id, code FROM dropoffs WHERE closed_at IS NOT NULL AND closed_at < ?"
                               " AND scans_deleted_at IS NULL", (cutoff,)).fetchall()
        for row in due:
            with self.store.write() as conn:
                conn.execute("UPDATE dropoff_pages SET blob = NULL WHERE dropoff_id = ?", (row["id"],))
                conn.execute("UPDATE dropoffs SET pdf_blob = NULL, holder_sealed = ?, holder_lookup = '',"
                             " scans_deleted_at = ?,"
                             " updated_at = ? WHERE id = ?",
                             (self.vault.seal_text(json.dumps({"name": "", "id_number": "", "phone": ""}),
                                                   f"holder:{row['id']}"), _iso(now), _iso(now), row["id"]))
                self._audit(conn, row["id"], "scans_deleted", "retention",
                            {"days": self.settings.dropoff.scan_retention_days})
            log.info("drop-off %s: scans and contact details deleted after retention", row["code"])
        if due:
            self.sweep()  # the files now nothing refers to
        return len(due)

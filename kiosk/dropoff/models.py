"""What a drop-off is, in memory (a draft at the kiosk) and as staff and citizens see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Staff's reasons for a correction request (补正), shown to the citizen as they are.
CORRECTION_REASONS = {
    "missing": "材料不全",
    "unclear": "照片看不清",
    "expired": "证件或证明已过期",
    "wrong_info": "材料上的信息有误",
    "wrong_matter": "材料与所办事项不符",
    "in_person": "需要本人到窗口核验",
}

STATUS_ZH = {
    "submitted": "已提交，等待工作人员审核",
    "accepted": "已受理，正在办理",
    "correction": "需要补正材料",
    "rejected": "不予受理",
    "ready": "已办好，请到综合出件窗口领取",
    "collected": "已领取",
    "lapsed": "逾期未补正，本次投递已结束",
}
# Every status, in the order a case goes through them: the CLI's --status choices and the
# hall server's Literal types are built from this one list (a new status is added above only).
STATUSES = tuple(STATUS_ZH)
OPEN_STATUSES = ("submitted", "accepted", "correction", "ready")


@dataclass(frozen=True)
class MaterialSlot:
    name: str
    required: bool
    # How the guide says to bring it (原件 / 复印件 …), shown under the name.
    note: str = ""


@dataclass(frozen=True)
class MatterChoice:
    id: str
    name: str
    department: str
    materials: tuple[MaterialSlot, ...]
    promised_working_days: int | None


@dataclass(frozen=True)
class DraftPage:
    jpeg: bytes
    width: int
    height: int
    # False when the camera could not tell which way is up (no readable text or QR):
    # the page is kept as laid and staff are told to check it.
    upright_sure: bool = True

    def __repr__(self) -> str:  # a page may show an ID card: never its bytes
        return f"DraftPage({self.width}x{self.height}, {len(self.jpeg) // 1024} kB)"


@dataclass
class Draft:
    """A drop-off being put together at the kiosk; plain text only in this process's memory."""

    matter: MatterChoice
    holder_name: str
    id_number: str
    from_card: bool
    pages: list[list[DraftPage]] = field(default_factory=list)
    phone: str = ""
    consent: bool = False

    def __post_init__(self) -> None:
        if not self.pages:
            self.pages = [[] for _ in self.matter.materials]

    @property
    def page_count(self) -> int:
        return sum(len(p) for p in self.pages)

    def missing_required(self) -> list[str]:
        return [slot.name for slot, pages in zip(self.matter.materials, self.pages) if slot.required and not pages]

    def wipe(self) -> None:
        """Idle or cancel: drop every page and the holder's details."""
        self.pages = [[] for _ in self.matter.materials]
        self.holder_name = self.id_number = self.phone = ""
        self.consent = False

    def __repr__(self) -> str:
        return f"Draft({self.matter.id}, {self.page_count} pages)"


@dataclass(frozen=True)
class Submitted:
    code: str
    matter_name: str
    page_count: int
    pages_per_material: tuple[tuple[str, int], ...]
    masked_name: str
    submitted_at: dt.datetime
    review_on: dt.date | None
    promised_working_days: int | None


@dataclass(frozen=True)
class TimelineStep:
    at: dt.datetime
    status: str
    text_zh: str


@dataclass(frozen=True)
class Progress:
    """What a citizen may see of a drop-off: no ID number, no phone, no pages."""

    code: str
    matter_name: str
    status: str
    status_zh: str
    masked_name: str
    submitted_at: dt.datetime
    review_on: dt.date | None
    case_number: str | None
    due_on: dt.date | None
    note_zh: str
    steps: tuple[TimelineStep, ...]

    @property
    def ready_to_collect(self) -> bool:
        return self.status == "ready"


@dataclass(frozen=True)
class PageInfo:
    number: int
    material_index: int
    material_name: str
    width: int
    height: int
    size_bytes: int
    available: bool
    upright_sure: bool = True


@dataclass(frozen=True)
class StaffView:
    """What the 综合受理 window sees of a drop-off (details opened with the key)."""

    id: int
    code: str
    matter_id: str
    matter_name: str
    department: str
    channel: str
    status: str
    holder_name: str
    id_number_masked: str
    phone: str
    page_count: int
    submitted_at: dt.datetime
    review_on: dt.date | None
    case_number: str | None
    accepted_at: dt.datetime | None
    due_on: dt.date | None
    status_note: str
    pages: tuple[PageInfo, ...]
    scans_deleted: bool
    audit: tuple[tuple[str, str, str, str], ...]  # (at, action, actor, detail)
    masked_name: str = ""  # 王*英: what lists show

    def as_dict(self) -> dict:
        return {
            "code": self.code, "matter_id": self.matter_id, "matter_name": self.matter_name,
            "department": self.department, "channel": self.channel, "status": self.status,
            "holder_name": self.holder_name, "id_number": self.id_number_masked, "phone": self.phone,
            "page_count": self.page_count, "submitted_at": self.submitted_at.isoformat(),
            "review_on": self.review_on.isoformat() if self.review_on else None,
            "case_number": self.case_number,
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
            "due_on": self.due_on.isoformat() if self.due_on else None, "status_note": self.status_note,
            "pages": [{"number": p.number, "material": p.material_name, "width": p.width, "height": p.height,
                       "bytes": p.size_bytes, "available": p.available,
                       "upright_sure": p.upright_sure} for p in self.pages],
            "scans_deleted": self.scans_deleted, "masked_name": self.masked_name,
            "audit": [{"at": a, "action": b, "actor": c, "detail": d} for a, b, c, d in self.audit],
        }

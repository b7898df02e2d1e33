"""The 办事指南 record: fields follow the 国家政务服务事项实施清单 (national implementation list).

One matter is one TOML file under `config/matters/`. A key left out of the file means
"we do not know" and is shown as 请咨询窗口 — never filled with a guess. The
dataclasses are built with `devices.base.settings_schema.build`, so every type error, unknown
key or missing key names the file and the dotted field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from kiosk.guides import labels_zh as zh
from devices.base.settings_schema import require

# The eight matter types of the national implementation list.
MATTER_TYPES = ("行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "行政备案", "其他行政权力", "公共服务")
MatterType = Literal["行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "行政备案", "其他行政权力", "公共服务"]

GUIDE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _nonblank(value: str | None) -> bool:
    return value is None or bool(value.strip())


@dataclass(frozen=True)
class LegalBasis:
    # Title of the law or document, e.g. 《社会救助暂行办法》（国务院令第649号）.
    title: str
    # 设定依据 (creates the matter) or 实施依据 (governs how it is handled).
    kind: Literal["设定依据", "实施依据"] | None = None
    # Article number, e.g. 第九条.
    article: str | None = None
    # The article's own words, when the source quoted them.
    text: str | None = None

    def check(self, file: str, prefix: str) -> None:
        require(bool(self.title.strip()), file, f"{prefix}.title", "empty", "write the law's title, or delete this entry")

    def describe(self) -> str:
        parts = [self.title + (self.article or "")]
        if self.text:
            parts.append("：" + self.text)
        label = f"{zh.LEGAL_KIND[self.kind]}：" if self.kind else ""
        return label + "".join(parts)


@dataclass(frozen=True)
class Material:
    name: str
    # What to bring: the original, a photocopy, or both.
    original_or_copy: Literal["原件", "复印件", "原件和复印件"] | None = None
    medium: Literal["纸质", "电子", "纸质或电子"] | None = None
    copies: int | None = None
    # Copies as the source wrote them when it is more than a number.
    copies_note: str | None = None
    # 必要 = required, 非必要 = optional, 视情形 = only in the case named by `case`.
    requirement: Literal["必要", "非必要", "视情形"] | None = None
    case: str | None = None
    # Where the citizen gets it: 申请人自备, 政府部门核发, …
    source: str | None = None
    # The source's own wording of original/copy/paper, kept for staff to check.
    form_as_published: str | None = None
    blank_form_url: str | None = None
    sample_url: str | None = None
    # What the window checks (审查要点).
    check_point: str | None = None
    source_note: str | None = None

    def check(self, file: str, prefix: str) -> None:
        require(bool(self.name.strip()), file, f"{prefix}.name", "empty", "write the material's name")
        if self.copies is not None:
            require(1 <= self.copies <= 20, file, f"{prefix}.copies", f"{self.copies} copies is not plausible",
                    "write the number of copies (1-20), or delete the line if unknown")
        require(self.requirement != "视情形" or bool(self.case), file, f"{prefix}.case",
                'requirement is "视情形" but the case is not named', 'add case = "…" saying when it is needed')
        for name in ("blank_form_url", "sample_url"):
            url = getattr(self, name)
            require(url is None or url.startswith(("http://", "https://")), file, f"{prefix}.{name}",
                    f"{url!r} is not a web address", "write a full address starting with http:// or https://")


@dataclass(frozen=True)
class TimeLimit:
    statutory_working_days: int | None = None
    promised_working_days: int | None = None
    # The source's own words when they are not a plain number of working days.
    as_published: str | None = None

    def check(self, file: str, prefix: str) -> None:
        for name in ("statutory_working_days", "promised_working_days"):
            days = getattr(self, name)
            require(days is None or 0 <= days <= 365, file, f"{prefix}.{name}", f"{days} is out of range",
                    "write working days 0-365 (0 = done on the spot)")
        if self.statutory_working_days is not None and self.promised_working_days is not None:
            require(self.promised_working_days <= self.statutory_working_days, file,
                    f"{prefix}.promised_working_days", "the promised time limit is longer than the statutory one",
                    "the promise must not exceed the statutory limit; check both numbers")


@dataclass(frozen=True)
class Fee:
    charged: bool | None = None
    standard: str | None = None
    basis: str | None = None
    as_published: str | None = None

    def check(self, file: str, prefix: str) -> None:
        require(self.charged is not False or not self.standard, file, f"{prefix}.standard",
                "a fee standard is given but charged = false", "set charged = true, or delete the standard")


@dataclass(frozen=True)
class Result:
    name: str | None = None
    delivery: str | None = None


@dataclass(frozen=True)
class Provenance:
    # True until staff have checked the record against the hall's own published list.
    sample: bool
    source_url: str | None = None
    source_jurisdiction: str | None = None
    # As the source dated it; sometimes only a year or a month, so kept as text.
    source_date: str | None = None
    verified_date: dt.date | None = None
    verified_by: str | None = None
    # Record id in shared/data/matters.json this sample was built from.
    sample_record: str | None = None
    name_as_published: str | None = None
    # What the source said about its own office, hours and payments: another county's
    # facts, kept for staff to compare, never shown to citizens as ours.
    source_department: str | None = None
    source_location: str | None = None
    source_hours: str | None = None
    source_benefit_standard: str | None = None
    source_site_type: str | None = None
    excerpt_complete: bool | None = None
    notes: str | None = None

    def check(self, file: str, prefix: str) -> None:
        if self.source_url is not None:
            require(self.source_url.startswith(("http://", "https://")), file, f"{prefix}.source_url",
                    f"{self.source_url!r} is not a web address", "write a full address starting with http:// or https://")
        require(self.sample or self.verified_date is not None, file, f"{prefix}.verified_date",
                "sample = false but no verified_date", "write the date the guide was checked, like 2026-12-01")


@dataclass(frozen=True)
class Guide:
    # The file name without .toml; set by the loader, never written in the file.
    id: str
    name: str
    # The hall department that owns the matter: 民政, 残联, 社保, 医保, 市场监管, …
    department: str
    # Kiosk policy, decided by the hall: may a citizen leave the papers at the kiosk
    # outside opening hours for staff to handle the next working day?
    after_hours_dropoff_allowed: bool
    provenance: Provenance
    # Everyday names people type: 低保, 残疾证, 营业执照 …
    short_names: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    matter_type: MatterType | None = None
    matter_type_note: str | None = None
    basic_code: str | None = None
    implementation_code: str | None = None
    implementing_body: str | None = None
    delegated_from_county: bool | None = None
    acceptance_level: str | None = None
    decision_level: str | None = None
    legal_basis: tuple[LegalBasis, ...] = ()
    service_object: str | None = None
    conditions: str | None = None
    # Empty means the list is not known (请咨询窗口), not that nothing is needed.
    materials: tuple[Material, ...] = ()
    process: tuple[str, ...] = ()
    time_limit: TimeLimit = field(default_factory=TimeLimit)
    fee: Fee = field(default_factory=Fee)
    result: Result = field(default_factory=Result)
    visits_required: int | None = None
    # Hall queues (hall.toml [[queues]] names) where papers go in and results come out.
    accept_window: str = "综合受理"
    result_window: str = "综合出件"
    in_person_required: bool | None = None
    contact_phone: str | None = None

    def check(self, file: str, prefix: str) -> None:
        require(bool(GUIDE_ID.match(self.id)), file, "(file name)", f"{self.id!r} is not a usable guide id",
                "name the file with lowercase letters, digits and hyphens, like dibao.toml")
        require(bool(self.name.strip()), file, "name", "empty", "write the matter's name")
        require(bool(self.department.strip()), file, "department", "empty", 'write the department, like "民政"')
        for key in ("short_names", "keywords", "process"):
            for i, text in enumerate(getattr(self, key)):
                require(bool(text.strip()), file, f"{key}[{i}]", "empty text", "delete the empty entry")
        for i, event in enumerate(self.life_events):
            require(event in zh.LIFE_EVENTS, file, f"life_events[{i}]", f"{event!r} is not a known life event",
                    "use one of " + "、".join(zh.LIFE_EVENTS))
        for key in ("matter_type_note", "basic_code", "implementation_code", "implementing_body", "service_object",
                    "conditions", "contact_phone", "acceptance_level", "decision_level"):
            require(_nonblank(getattr(self, key)), file, key, "empty text", "delete the line if the value is unknown")
        for key in ("basic_code", "implementation_code"):
            code = getattr(self, key)
            require(code is None or code.isdigit(), file, key, f"{code!r} is not a code of digits",
                    "copy the code from the implementation list, digits only")
        if self.visits_required is not None:
            require(0 <= self.visits_required <= 10, file, "visits_required", f"{self.visits_required} is out of range",
                    "write 0, 1 or 2 (visits to the hall), or delete the line if unknown")
        require(not (self.in_person_required and self.after_hours_dropoff_allowed), file, "after_hours_dropoff_allowed",
                "the matter needs the person in person, so papers cannot be dropped off after hours",
                "set after_hours_dropoff_allowed = false, or in_person_required = false")
        if self.contact_phone is not None:
            digits = self.contact_phone.replace("-", "").replace(" ", "")
            require(digits.isdigit() and 7 <= len(digits) <= 13, file, "contact_phone",
                    f"{self.contact_phone!r} is not a phone number", 'write it like "0356-7012345"')

    # --- what the screens and printouts show -------------------------------------

    @property
    def is_sample(self) -> bool:
        return self.provenance.sample

    def search_names(self) -> tuple[str, ...]:
        """Names a citizen might type for this matter, most official first."""
        seen: dict[str, None] = {}
        for text in (self.name, *self.short_names, *self.keywords):
            seen.setdefault(text.strip(), None)
        return tuple(seen)

    def display_fields(self, dropoff_available: bool = False) -> list[tuple[str, str]]:
        """Every field as (Chinese label, text) in screen order; unknowns read 请咨询窗口."""
        f = zh.FIELD
        known = _known
        # Citizen first: who may apply, what to bring, how, how long, what it costs and
        # where to go; the administrative record (type, body, codes, levels, legal
        # basis, provenance) follows for staff and the curious.
        rows: list[tuple[str, str]] = [
            (f["name"], self.name),
            (f["department"], self.department),
            (f["service_object"], known(self.service_object)),
            (f["conditions"], known(self.conditions)),
            (f["materials"], self._materials_text()),
            (f["process"], _numbered(self.process)),
            (f["statutory_time_limit"], _days(self.time_limit.statutory_working_days)),
            (f["promised_time_limit"], _days(self.time_limit.promised_working_days)),
        ]
        if self.time_limit.as_published:
            rows.append((f["time_limit_as_published"], self.time_limit.as_published))
        rows += [
            (f["fee"], self.fee_text()),
            (f["result_name"], known(self.result.name)),
            (f["result_delivery"], known(self.result.delivery)),
            (f["visits_required"], known(None if self.visits_required is None
                                         else zh.VISITS.format(visits=self.visits_required))),
            (f["accept_window"], self.accept_window),
            (f["result_window"], self.result_window),
            *([(f["after_hours_dropoff_allowed"],
                 zh.DROPOFF_YES if self.after_hours_dropoff_allowed else zh.DROPOFF_NO)]
              # Only while this kiosk's drop-off works: never promise what it cannot do.
              if dropoff_available else []),
            (f["in_person_required"], _yes_no(self.in_person_required, zh.IN_PERSON_YES, zh.IN_PERSON_NO)),
            (f["contact_phone"], known(self.contact_phone)),
            (f["matter_type"], known(self.matter_type and self.matter_type
                                     + (f"（{self.matter_type_note}）" if self.matter_type_note else ""))),
            (f["implementing_body"], known(self.implementing_body)),
            (f["delegated_from_county"], _yes_no(self.delegated_from_county, zh.DELEGATED_YES, zh.DELEGATED_NO)),
            (f["basic_code"], known(self.basic_code)),
            (f["implementation_code"], known(self.implementation_code)),
            (f["acceptance_level"], known(self.acceptance_level)),
            (f["decision_level"], known(self.decision_level)),
            (f["legal_basis"], "\n".join(b.describe() for b in self.legal_basis) or zh.UNKNOWN),
            (f["source"], self.source_text()),
            (f["verified_date"], self.provenance.verified_date.isoformat() if self.provenance.verified_date
             else zh.NOT_VERIFIED),
        ]
        return rows

    def provenance_fields(self) -> list[tuple[str, str]]:
        """Where the text came from, as (label, text) for staff verifying a sample."""
        rows = []
        for key, label in zh.PROVENANCE_FIELD.items():
            value = getattr(self.provenance, key)
            if isinstance(value, bool):
                text = zh.YES if value else zh.NO
            elif value is None:
                text = zh.STAFF_BLANK
            else:
                text = str(value)
            rows.append((label, text))
        return rows

    def fee_text(self) -> str:
        fee = self.fee
        if fee.charged is None:
            return fee.as_published or zh.UNKNOWN
        if not fee.charged:
            text = zh.FREE
        else:
            text = zh.CHARGED + (f"：{fee.standard}" if fee.standard else f"（标准{zh.UNKNOWN}）")
        return text + (zh.FEE_BASIS.format(basis=fee.basis) if fee.basis else "")

    def time_limit_text(self) -> str:
        """The shortest honest answer to 'how long will it take?' for lists."""
        tl = self.time_limit
        if tl.promised_working_days is not None:
            return _days(tl.promised_working_days)
        if tl.statutory_working_days is not None:
            return _days(tl.statutory_working_days)
        return tl.as_published or zh.UNKNOWN

    def source_text(self) -> str:
        """For citizens: the hall's own source once confirmed; until then only 示例内容.

        A sample's jurisdiction (another county) is staff information: shown to a
        villager it reads as if that county's rules applied here.
        """
        p = self.provenance
        if p.sample:
            return zh.SAMPLE_BANNER
        line = zh.SOURCE_LINE.format(jurisdiction=p.source_jurisdiction or zh.UNKNOWN,
                                     date=p.source_date or zh.SOURCE_UNKNOWN_DATE)
        if p.source_url:
            line += "\n" + p.source_url
        return line

    def _materials_text(self) -> str:
        if not self.materials:
            return zh.UNKNOWN
        lines = []
        for i, (material, (name, *details)) in enumerate(zip(self.materials, material_rows(self)), start=1):
            known_details = [d for d in details if d != zh.UNKNOWN]
            some_unknown = len(known_details) < len(details)
            if material.source:
                known_details.append(zh.MATERIAL_SOURCE.format(source=material.source))
            if some_unknown:
                known_details.append(zh.MATERIAL_DETAILS_UNKNOWN if known_details else zh.UNKNOWN)
            # "1、" not "1. ": the screen wraps at spaces, and a space after the
            # number would leave it alone on a line above a long Chinese item.
            lines.append(f"{i}、{name}：" + "；".join(known_details))
        return "\n".join(lines)


def _known(value: str | None) -> str:
    return value if value else zh.UNKNOWN


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    if value is None:
        return zh.UNKNOWN
    return yes if value else no


def _days(days: int | None) -> str:
    return zh.UNKNOWN if days is None else zh.WORKING_DAYS.format(days=days)


def _numbered(steps: tuple[str, ...]) -> str:
    if not steps:
        return zh.UNKNOWN
    return "\n".join(f"{i}、{step}" for i, step in enumerate(steps, start=1))


def material_rows(guide: Guide) -> list[tuple[str, str, str, str]]:
    """(name, original/copy, copies, required) per material, 请咨询窗口 where unknown."""
    rows = []
    for m in guide.materials:
        form = m.original_or_copy or m.form_as_published or zh.UNKNOWN
        if m.medium and m.original_or_copy:
            form = f"{form}（{m.medium}）"
        if m.copies is not None:
            copies = zh.COPIES.format(copies=m.copies)
        else:
            copies = m.copies_note or zh.UNKNOWN
        if m.requirement == "视情形":
            required = zh.REQUIREMENT_CASE.format(case=m.case)
        elif m.requirement:
            required = zh.REQUIREMENT[m.requirement]
        else:
            required = zh.UNKNOWN
        rows.append((m.name, form, copies, required))
    return rows

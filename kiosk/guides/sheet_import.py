"""A hall's own 事项清单 (a spreadsheet) → validated matter files in the hall's folder.

Halls keep their list of matters as a table with one row per matter and the
national implementation list's column names. `kiosk guides import LIST.csv` reads
it (CSV as saved by Excel or WPS: UTF-8, UTF-8 with BOM, or GBK; XLSX when openpyxl
is installed), builds one guide per row and checks it exactly as the kiosk will.
Nothing is written unless every row is right: a half-imported list beside the old
samples would mix the hall's rules with another county's. A refused row is named
by its row number in the sheet and its column, in Chinese and English.

The hall's list is the hall's own published text, so an imported guide is
confirmed (provenance.sample = false, verified today) and its source is the hall.
A matter already in the folder under the same name keeps its id (file name) and
the kiosk's own settings (search words, life events, drop-off and in-person flags,
windows), so re-importing an updated list replaces the text and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from devices.base.errors import ConfigError, KioskError
from devices.base.settings_schema import build
from kiosk.guides.schema import GUIDE_ID, MATTER_TYPES, Guide

# Column → what it fills. The first two are required.
COLUMNS = {
    "事项名称": "name",
    "主管部门": "department",
    "编号": "id",
    "事项类型": "matter_type",
    "基本编码": "basic_code",
    "实施编码": "implementation_code",
    "实施主体": "implementing_body",
    "设定依据": "legal_basis (设定依据)",
    "实施依据": "legal_basis (实施依据)",
    "服务对象": "service_object",
    "办理条件": "conditions",
    "申请材料": "materials",
    "办理流程": "process",
    "法定时限": "time_limit.statutory_working_days",
    "承诺时限": "time_limit.promised_working_days",
    "收费标准": "fee",
    "办理结果": "result.name",
    "咨询电话": "contact_phone",
}
REQUIRED = ("事项名称", "主管部门")
# Kiosk settings a re-import keeps from the hall's existing file of the same matter.
KIOSK_KEYS = ("short_names", "keywords", "life_events", "after_hours_dropoff_allowed", "in_person_required",
              "accept_window", "result_window")
# Which column a schema error belongs to.
FIELD_COLUMN = {
    "name": "事项名称", "department": "主管部门", "matter_type": "事项类型", "basic_code": "基本编码",
    "implementation_code": "实施编码", "implementing_body": "实施主体", "service_object": "服务对象",
    "conditions": "办理条件", "materials": "申请材料", "process": "办理流程", "legal_basis": "设定依据",
    "time_limit.statutory_working_days": "法定时限", "time_limit.promised_working_days": "承诺时限",
    "time_limit": "承诺时限", "fee": "收费标准", "result": "办理结果", "contact_phone": "咨询电话",
    "(file name)": "编号",
}
FREE_WORDS = {"不收费", "免费", "无", "否", "0", "0元", "不收取费用"}
ITEM_SPLIT = re.compile(r"\s*(?:\r?\n|；|;)\s*")
STEP_SPLIT = re.compile(r"\s*(?:\r?\n|；|;|→|——|->)\s*")
ITEM_NUMBER = re.compile(r"^(?:\d+|[一二三四五六七八九十]+)[、.．)）]\s*")
DAYS = re.compile(r"^(\d+)\s*(?:个)?\s*(?:工作日|日|天)?$")

HEADER = """\
# 办事指南 (service guide) — one matter, imported by `kiosk guides import` from the
# hall's own list ({source}, row {row}). Edit the list and import again, or edit
# this file and run `kiosk guides check`. A missing key shows 请咨询窗口.
"""


class SheetError(KioskError):
    """The spreadsheet as a whole cannot be read (not one row's mistake)."""

    code = "sheet_error"

    def __init__(self, file: Path, problem_en: str, problem_zh: str) -> None:
        super().__init__(f"{file}: {problem_en}", f"{file}：{problem_zh}", file=str(file))


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    problem_zh: str
    problem_en: str

    def message(self) -> str:
        return f"第{self.row}行「{self.column}」：{self.problem_zh} / row {self.row}, column {self.column}: {self.problem_en}"


@dataclass(frozen=True)
class ImportPlan:
    files: dict[str, str]  # guide id → file text
    problems: tuple[RowProblem, ...]
    ignored_columns: tuple[str, ...]


def read_sheet(path: Path) -> list[dict[str, str]]:
    """The sheet's rows as {column: text}, header on the first row. Raises SheetError."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(path, f"cannot be read: {exc.strerror or exc}", "无法读取这个文件") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(path, "not UTF-8 or GBK text", "不是 UTF-8 或 GBK 编码的 CSV，请在 Excel 中“另存为 CSV UTF-8”")
    rows = list(csv.reader(io.StringIO(text)))
    return _as_dicts(path, rows)


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    try:
        import openpyxl
    except ImportError:
        raise SheetError(path, "reading .xlsx needs openpyxl, which is not installed; save the sheet as CSV (UTF-8)",
                         "本机不能直接读取 .xlsx，请在 Excel 或 WPS 中“另存为 CSV UTF-8”后再导入") from None
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return _as_dicts(path, rows)


def _as_dicts(path: Path, rows: list[list[str]]) -> list[dict[str, str]]:
    if not rows:
        raise SheetError(path, "the sheet is empty", "表格是空的")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SheetError(path, f"the first row must hold the column names; missing: {', '.join(missing)}",
                         f"第1行应是列名，缺少：{'、'.join(missing)}")
    out = []
    for cells in rows[1:]:
        out.append({h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h})
    return out


def plan_import(rows: list[dict[str, str]], folder: Path, *, source: str, jurisdiction: str,
                today: dt.date) -> ImportPlan:
    """Every row → (id, TOML text), or the problems; nothing is written here."""
    existing = _existing_by_name(folder)
    files: dict[str, str] = {}
    problems: list[RowProblem] = []
    names_seen: dict[str, int] = {}
    ignored = tuple(sorted({c for row in rows for c in row} - set(COLUMNS)))
    for index, row in enumerate(rows):
        number = index + 2  # the header is row 1
        if not any(row.values()):
            continue  # a blank line at the end of the sheet
        row_problems, guide_id, text = _row_to_file(row, number, existing, source, jurisdiction, today)
        if not row_problems:
            name = row["事项名称"]
            if name in names_seen:
                row_problems = [RowProblem(number, "事项名称", f"与第{names_seen[name]}行重复",
                                           f"the same matter as row {names_seen[name]}")]
            elif guide_id in files:
                row_problems = [RowProblem(number, "编号", f"编号 {guide_id} 已被前面的行使用",
                                           f"id {guide_id!r} is already used by an earlier row")]
            else:
                names_seen[name] = number
                files[guide_id] = text
        problems += row_problems
    if not files and not problems:
        problems.append(RowProblem(2, "事项名称", "表格里没有事项", "the sheet has no matters"))
    return ImportPlan(files, tuple(problems), ignored)


def write_import(plan: ImportPlan, folder: Path) -> list[Path]:
    """Write the planned files (only when the plan has no problems)."""
    assert not plan.problems, "refuse the whole sheet when a row is wrong"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for guide_id, text in plan.files.items():
        path = folder / f"{guide_id}.toml"
        staging = path.with_name(f".{path.name}.importing")
        staging.write_text(text, encoding="utf-8")
        staging.replace(path)
        written.append(path)
    return written


def _row_to_file(row: dict[str, str], number: int, existing: dict[str, tuple[str, dict]], source: str,
                 jurisdiction: str, today: dt.date) -> tuple[list[RowProblem], str, str]:
    problems: list[RowProblem] = []

    def refuse(column: str, zh: str, en: str) -> None:
        problems.append(RowProblem(number, column, zh, en))

    get = lambda column: row.get(column, "").strip()  # noqa: E731
    for column in REQUIRED:
        if not get(column):
            refuse(column, "不能为空", "must not be empty")
    name = get("事项名称")
    raw: dict = {"name": name, "department": get("主管部门")}
    kept_id, kept = existing.get(name, (None, {}))
    for key in KIOSK_KEYS:
        if key in kept:
            raw[key] = kept[key]
    raw.setdefault("after_hours_dropoff_allowed", False)
    if get("事项类型"):
        if get("事项类型") in MATTER_TYPES:
            raw["matter_type"] = get("事项类型")
        else:
            refuse("事项类型", f"“{get('事项类型')}”不是国家规定的事项类型，应为：" + "、".join(MATTER_TYPES),
                   f"{get('事项类型')!r} is not one of the national matter types")
    for column, key in (("基本编码", "basic_code"), ("实施编码", "implementation_code"), ("实施主体", "implementing_body"),
                        ("服务对象", "service_object"), ("办理条件", "conditions"), ("咨询电话", "contact_phone")):
        if get(column):
            raw[key] = get(column)
    legal = [{"title": t, "kind": kind} for column, kind in (("设定依据", "设定依据"), ("实施依据", "实施依据"))
             for t in _items(get(column))]
    if legal:
        raw["legal_basis"] = legal
    materials = _items(get("申请材料"))
    if materials:
        raw["materials"] = [{"name": m} for m in materials]
    steps = [ITEM_NUMBER.sub("", s) for s in STEP_SPLIT.split(get("办理流程")) if s.strip()]
    if steps:
        raw["process"] = [s for s in steps if s]
    time_limit: dict = {}
    published = []
    for column, key in (("法定时限", "statutory_working_days"), ("承诺时限", "promised_working_days")):
        text = get(column)
        if not text:
            continue
        days = _days(text)
        if days is None:
            published.append(f"{column}：{text}")
        else:
            time_limit[key] = days
    if published:
        time_limit["as_published"] = "；".join(published)
    if time_limit:
        raw["time_limit"] = time_limit
    fee = get("收费标准")
    if fee:
        raw["fee"] = {"charged": False} if fee in FREE_WORDS else {"charged": True, "standard": fee}
    if get("办理结果"):
        raw["result"] = {"name": get("办理结果")}
    raw["provenance"] = {"sample": False, "verified_date": today, "source_jurisdiction": jurisdiction,
                         "source_date": today.isoformat(), "name_as_published": name,
                         "notes": f"由 kiosk guides import 从 {source} 第{number}行导入"}

    guide_id = get("编号") or kept_id or _id_from_name(name, get("基本编码"))
    if get("编号") and not GUIDE_ID.match(get("编号")):
        refuse("编号", "只能用小写字母、数字和连字符，如 dibao", "use lowercase letters, digits and hyphens, like dibao")
    if problems:
        return problems, guide_id, ""
    text = HEADER.format(source=source, row=number) + "\n" + _to_toml(raw)
    # The exact check the kiosk makes when it loads the file.
    try:
        build(Guide, {**tomllib.loads(text), "id": guide_id}, f"{source} row {number}")
    except ConfigError as exc:
        column = FIELD_COLUMN.get(exc.key) or FIELD_COLUMN.get(exc.key.split("[")[0].split(".")[0], exc.key)
        refuse(column, f"{exc.problem}（{exc.fix}）", f"{exc.problem}. Fix: {exc.fix}")
    except tomllib.TOMLDecodeError as exc:  # a cell the writer could not quote: should not happen
        refuse("(表格)", "无法写成配置文件", str(exc))
    return problems, guide_id, text


def _items(text: str) -> list[str]:
    return [ITEM_NUMBER.sub("", t) for t in ITEM_SPLIT.split(text) if t.strip() and ITEM_NUMBER.sub("", t)]


def _days(text: str) -> int | None:
    if text in ("即办", "即办件", "当场办结", "立即办结"):
        return 0
    match = DAYS.match(text)
    return int(match[1]) if match else None


def _id_from_name(name: str, basic_code: str) -> str:
    """A stable file name for a new matter: the name's pinyin, or its basic code."""
    core = re.sub(r"[（(].*?[）)]", "", name).strip() or name
    try:
        from kiosk.guides.pinyin_index import compute_readings

        readings = compute_readings([core])[core]
        letters = "".join(r[0] for r in readings if r)
        slug = re.sub(r"[^a-z0-9]+", "-", letters.lower()).strip("-")[:48]
        if slug and GUIDE_ID.match(slug):
            return slug
    except ImportError:
        pass
    return f"m-{basic_code}" if basic_code.isdigit() else "m-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def _existing_by_name(folder: Path) -> dict[str, tuple[str, dict]]:
    out: dict[str, tuple[str, dict]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if isinstance(raw.get("name"), str):
            out.setdefault(raw["name"], (path.stem, raw))
    return out


def _to_toml(guide: dict) -> str:
    from kiosk.guides.sample_import import toml_body

    return toml_body(guide)

"""One-off generator: shared/data/matters.json (26 published guides) → config/matters/*.toml.

The TOML files it wrote are the source of truth that hall staff edit; run this again
only to start over (it refuses to overwrite unless --force). Values the source did not
give stay out of the file (shown as 请咨询窗口). What this script adds that is not in
the source is search help (short names, keywords, life events), the hall department
each matter belongs to, and the kiosk policy flags — all marked in the file header.

    python -m kiosk.guides.sample_import /work/shared/data/matters.json config/matters

Since written, the shipped files were reduced by hand to what holds everywhere in
China (another county's forms, places, rules, levels, time limits, copies, phones
and amounts removed; the duplicates of 低保, 临时救助, 残疾人证, 高龄津贴, 养老保险注销
and 丧葬补助金 merged into `dibao`, `linshi-jiuzhu`, `canjirenzheng`, `gaoling-jintie`,
`yanglao-zhuxiao` and `sangzang-buzhujin`; the "-2"/"-3" ids below no longer ship).
Running this again brings all of that back: don't, except to start over, and then
run tests/guides/test_local_facts.py and test_catalogue.py (no matter shipped twice).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

# Per source record: file id, hall department, search help, life events, kiosk flags.
# Departments follow the reform's one-window grouping (民政, 残联, 社保, 医保, 市场监管),
# plus matters county departments delegate to the township.
CURATION: dict[str, dict] = {
    "M01": dict(id="yanglao-canbao", department="社保", short_names=["养老保险参保", "居民养老保险"],
                keywords=["养老", "养老保险", "交养老保险", "参保"], life_events=["养老"], dropoff=True),
    "M02": dict(id="yibao-canbao", department="医保", short_names=["医保参保", "居民医保"],
                keywords=["医保", "医疗保险", "合作医疗", "新农合", "交医保"], life_events=["医疗"], dropoff=True),
    "M03": dict(id="dibao", department="民政", short_names=["低保"], keywords=["低保申请", "吃低保", "困难户"],
                life_events=["救助"]),
    "M04": dict(id="dibao-2", department="民政", short_names=["低保"], keywords=["低保申请", "吃低保", "困难户"],
                life_events=["救助"]),
    "M05": dict(id="tekun-gongyang", department="民政", short_names=["特困供养", "特困救助"],
                keywords=["五保", "五保户", "特困"], life_events=["救助", "养老"]),
    "M06": dict(id="linshi-jiuzhu", department="民政", short_names=["临时救助"],
                keywords=["救急", "困难补助", "急难救助", "遭灾"], life_events=["救助"]),
    "M07": dict(id="linshi-jiuzhu-2", department="民政", short_names=["临时救助"],
                keywords=["救急", "困难补助", "急难救助"], life_events=["救助"]),
    "M08": dict(id="linshi-jiuzhu-3", department="民政", short_names=["临时救助"],
                keywords=["救急", "困难补助"], life_events=["救助"]),
    "M09": dict(id="canjirenzheng", department="残联", short_names=["残疾证", "办残疾证"],
                keywords=["残疾人证", "残疾评定", "换残疾证"], life_events=["残疾"], in_person=True),
    "M10": dict(id="canjirenzheng-2", department="残联", short_names=["残疾证", "办残疾证"],
                keywords=["残疾人证", "残疾评定"], life_events=["残疾"]),
    "M11": dict(id="canji-liangxiang-butie", department="残联", short_names=["残疾人两项补贴", "两项补贴"],
                keywords=["残疾补贴", "护理补贴", "生活补贴", "重度残疾"], life_events=["残疾", "救助"]),
    "M12": dict(id="gaoling-jintie", department="民政", short_names=["高龄补贴", "长寿补贴"],
                keywords=["老年补贴", "老人补贴", "长寿金", "养老"], life_events=["养老"], dropoff=True),
    "M13": dict(id="gaoling-jintie-2", department="民政", short_names=["高龄补贴", "长寿补贴"],
                keywords=["老年补贴", "老人补贴", "长寿金"], life_events=["养老"]),
    "M14": dict(id="shebaoka-zhuxiao", department="社保", short_names=["社保卡注销"], keywords=["社保卡", "销卡"]),
    "M15": dict(id="shebaoka-chaxun", department="社保", short_names=["社保卡查询", "社保卡状态"], keywords=["社保卡"]),
    "M16": dict(id="shebaoka-mima", department="社保", short_names=["社保卡密码", "社保卡改密码"],
                keywords=["忘记密码", "密码重置", "社保卡"]),
    "M17": dict(id="shebaoka-qiyong", department="社保", short_names=["社保卡激活", "社保卡启用"],
                keywords=["激活", "社保卡"]),
    "M18": dict(id="yanglao-zhuxiao", department="社保", short_names=["养老保险注销"], keywords=["养老", "停保"],
                life_events=["养老", "身后事"]),
    "M19": dict(id="yanglao-zhuxiao-2", department="社保", short_names=["养老保险注销", "个人账户一次性待遇"],
                keywords=["养老", "停保"], life_events=["养老", "身后事"]),
    "M20": dict(id="sangzang-buzhujin", department="社保", short_names=["丧葬补助金", "抚恤金"],
                keywords=["丧葬费", "老人去世", "死亡"], life_events=["身后事"], dropoff=True),
    "M21": dict(id="sangzang-buzhujin-2", department="社保", short_names=["丧葬补助金"],
                keywords=["丧葬费", "老人去世", "死亡"], life_events=["身后事"], dropoff=True),
    "M22": dict(id="jiuye-chuangye-zheng", department="社保", short_names=["就业创业证", "就业证"],
                keywords=["失业证", "就业", "找工作", "失业登记"], life_events=["就业"], dropoff=True),
    "M23": dict(id="jiuye-dengji", department="社保", short_names=["就业登记"], keywords=["灵活就业", "上班登记", "就业"],
                life_events=["就业"]),
    "M24": dict(id="shengyu-dengji", department="卫健", short_names=["生育登记", "准生证"],
                keywords=["生育服务证", "生孩子", "生小孩", "怀孕"], life_events=["生育"]),
    "M25": dict(id="getihu-dengji", department="市场监管", short_names=["个体户", "营业执照"],
                keywords=["开店", "办执照", "工商登记", "做生意", "个体户执照"], life_events=["开店"]),
    "M26": dict(id="zhaijidi", department="农业农村", short_names=["宅基地", "宅基地审批"],
                keywords=["建房", "盖房", "盖房子", "批地"], life_events=["建房"]),
}

# The source's words for "needed only when …" → the case printed as "{case}时要带".
CASES = {
    "残疾人必需": "申请人是残疾人", "低保家庭": "低保家庭", "外省户籍": "外省户籍老人", "代办": "请人代办",
    "出国定居情形": "出国定居", "死亡情形": "参保人去世", "重复参保情形": "重复参保或重复领取",
    "委托时": "委托别人办", "单位登记": "用人单位登记", "个人登记": "个人登记",
    "灵活就业/个体": "灵活就业或个体经营", "大专以上": "有大专以上学历", "搬迁情形": "已有宅基地需搬迁",
}

ARTICLE = re.compile(r"^(?P<title>.+?)(?P<article>第[一二三四五六七八九十百零0-9]+条)(?:[\s：:]+(?P<text>.+))?$")
WORKING_DAYS = re.compile(r"^(\d+)\s*个?工作日$")


def _legal_basis(text: str) -> dict:
    entry: dict = {}
    for kind in ("设定依据", "实施依据"):
        if text.startswith(kind + "："):
            entry["kind"] = kind
            text = text[len(kind) + 1:]
    if text.endswith("（设立依据）"):
        entry["kind"] = "设定依据"
        text = text[: -len("（设立依据）")]
    match = ARTICLE.match(text)
    if match:
        entry["title"] = match["title"].strip()
        entry["article"] = match["article"]
        if match["text"]:
            entry["text"] = match["text"].strip()
    else:
        entry["title"] = text
    return {k: entry[k] for k in ("title", "kind", "article", "text") if k in entry}


def _material(raw: dict) -> dict:
    m: dict = {"name": raw["name"]}
    form = raw.get("form")
    if form:
        if "原件" in form and "复印件" in form:
            m["original_or_copy"] = "原件和复印件"
        elif "原件" in form:
            m["original_or_copy"] = "原件"
        elif "复印件" in form:
            m["original_or_copy"] = "复印件"
        if "纸质" in form and "电子" in form:
            m["medium"] = "纸质或电子"
    copies = raw.get("copies")
    if isinstance(copies, int):
        m["copies"] = copies
    elif isinstance(copies, str):
        m["copies_note"] = copies
    elif form and re.search(r"各.?[0-9一二两]+[份张]", form):
        m["copies_note"] = form
    required = raw.get("required")
    if required in ("必要", "非必要"):
        m["requirement"] = required
    elif required:
        m["requirement"] = "视情形"
        m["case"] = CASES[required]
    if raw.get("source"):
        m["source"] = raw["source"]
    if form:
        m["form_as_published"] = form
    if raw.get("check_point"):
        m["check_point"] = raw["check_point"]
    if raw.get("source_note"):
        m["source_note"] = raw["source_note"]
    return m


def _days(text: str | None) -> int | None:
    match = WORKING_DAYS.match(text or "")
    return int(match[1]) if match else None


def _fee(text: str | None) -> dict:
    if not text:
        return {}
    if text in ("0",) or text.startswith(("否", "不收费", "免费")):
        return {"charged": False, "as_published": text}
    return {"as_published": text}


def record_to_guide(record: dict) -> tuple[str, dict]:
    """(file id, TOML-ready dict) for one source record."""
    cur = CURATION[record["id"]]
    g: dict = {"name": record["name"], "department": cur["department"]}
    for key in ("short_names", "keywords", "life_events"):
        if cur.get(key):
            g[key] = cur[key]
    matter_type = record.get("matter_type")
    if matter_type:
        head = matter_type.split("（")[0]
        g["matter_type"] = head
        if head != matter_type:
            g["matter_type_note"] = matter_type[len(head):].strip("（）")
    if record.get("basic_code"):
        g["basic_code"] = record["basic_code"].split("（")[0]
    if record.get("implementation_code"):
        g["implementation_code"] = record["implementation_code"].split("（")[0]
    for src, dst in (("acceptance_level", "acceptance_level"), ("decision_level", "decision_level"),
                     ("service_object", "service_object"), ("eligibility", "conditions")):
        if record.get(src):
            g[dst] = record[src]
    if record.get("visits_required") is not None:
        g["visits_required"] = int(str(record["visits_required"]).rstrip("次"))
    g["after_hours_dropoff_allowed"] = bool(cur.get("dropoff"))
    if cur.get("in_person"):
        g["in_person_required"] = True
    if record.get("process"):
        g["process"] = record["process"]
    if record.get("legal_basis"):
        g["legal_basis"] = [_legal_basis(t) for t in record["legal_basis"]]
    if record.get("materials"):
        g["materials"] = [_material(m) for m in record["materials"]]
    time_limit = {}
    for src, dst in (("statutory_time_limit", "statutory_working_days"), ("promised_time_limit", "promised_working_days")):
        days = _days(record.get(src))
        if days is not None:
            time_limit[dst] = days
    if record.get("time_limit_as_published"):
        time_limit["as_published"] = record["time_limit_as_published"]
    if time_limit:
        g["time_limit"] = time_limit
    fee = _fee(record.get("fee"))
    if fee:
        g["fee"] = fee
    result = {k: record[s] for s, k in (("result_name", "name"), ("delivery", "delivery")) if record.get(s)}
    if result:
        g["result"] = result
    g["provenance"] = _provenance(record)
    return cur["id"], g


def _provenance(record: dict) -> dict:
    p: dict = {"sample": True, "sample_record": record["id"]}
    urls = [u.strip() for u in (record.get("source_url") or "").split("；") if u.strip()]
    notes = [record["notes"]] if record.get("notes") else []
    if urls:
        p["source_url"] = urls[0]
        notes += [f"另一来源：{u}" for u in urls[1:]]
    for src, dst in (("source_jurisdiction", "source_jurisdiction"), ("source_date", "source_date"),
                     ("name_as_published", "name_as_published"), ("department", "source_department"),
                     ("location_as_published", "source_location"), ("hours_as_published", "source_hours"),
                     ("benefit_standard_as_published", "source_benefit_standard"),
                     ("source_site_type", "source_site_type"), ("excerpt_complete", "excerpt_complete")):
        if record.get(src) is not None:
            p[dst] = record[src]
    if notes:
        p["notes"] = "；".join(notes)
    return p


# --- a small TOML writer: the files are read by people, so layout matters ---------

def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings
    if isinstance(v, list):
        if all(isinstance(x, str) for x in v) and sum(len(x) for x in v) < 60:
            return "[" + ", ".join(_value(x) for x in v) + "]"
        return "[\n" + "".join(f"  {_value(x)},\n" for x in v) + "]"
    raise TypeError(v)


HEADER = """\
# 办事指南 (service guide) — one matter. The file name is the guide's id.
# SAMPLE built from a published guide of another county (see [provenance]); check
# every value against the hall's own list on 山西政务服务网, then set
# provenance.sample = false and provenance.verified_date.
# A key that is missing means "unknown": the kiosk shows 请咨询窗口. Never guess.
# Added for the kiosk (not from the source): department, short_names, keywords,
# life_events and the kiosk flags after_hours_dropoff_allowed / in_person_required
# (proposed; the hall decides).
"""


def to_toml(guide: dict) -> str:
    return HEADER + "\n" + toml_body(guide)


def toml_body(guide: dict) -> str:
    """The guide's keys, tables and arrays of tables, laid out for people to read."""
    lines = []
    tables = {"time_limit", "fee", "result", "provenance"}
    arrays = {"legal_basis", "materials"}
    for key, value in guide.items():
        if key not in tables | arrays:
            lines.append(f"{key} = {_value(value)}")
    for key in ("legal_basis", "materials"):
        for entry in guide.get(key, []):
            lines.append(f"\n[[{key}]]")
            lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
    for key in ("time_limit", "fee", "result", "provenance"):
        if key in guide:
            lines.append(f"\n[{key}]")
            lines += [f"{k} = {_value(v)}" for k, v in guide[key].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("matters_json", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--force", action="store_true", help="overwrite files staff may have edited")
    args = parser.parse_args(argv)
    records = json.loads(args.matters_json.read_text(encoding="utf-8"))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for record in records:
        guide_id, guide = record_to_guide(record)
        path = args.out_dir / f"{guide_id}.toml"
        if path.exists() and not args.force:
            print(f"kept {path} (exists; --force to overwrite)", file=sys.stderr)
            continue
        path.write_text(to_toml(guide), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

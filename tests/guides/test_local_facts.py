"""The shipped catalogue holds only what is true anywhere in China.

Until a hall imports its own published list, the packaged samples must not tell a
villager in Qinshui another county's form, office, rule, phone number or amount.
Every citizen-facing value of every shipped matter (everything but [provenance],
which staff read to know where a sample came from) is scanned for:

- a province, prefecture or county name other than 山西 / 晋城 / 沁水 / 嘉峰;
- a name in front of 省 / 市 / 县 (安化县, 我市, 本县: another place's facts);
- a phone number (11-digit mobile or 0xxx- landline);
- an amount in 元.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from kiosk.guides.catalogue import default_matters_dir

# The hall's own places: naming them is not importing another county's facts.
OURS = ("山西省", "山西", "晋城市", "晋城", "沁水县", "沁水", "嘉峰镇", "嘉峰")

PROVINCES = ("北京", "天津", "河北", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
             "陕西", "甘肃", "青海", "宁夏", "新疆")
# Prefectures and counties the samples were taken from, and Shanxi's other prefectures
# (a neighbour's rule is still not Qinshui's).
OTHER_PLACES = ("益阳", "安化", "澄迈", "加乐", "六安", "金寨", "果子园", "燕子河", "淄博", "张店", "连云港", "郑州",
                "惠济", "芜湖", "无为", "鹤毛", "喀什", "铜陵", "枞阳", "金社", "西安", "阎良", "大寨", "宿州", "砀山",
                "许昌", "禹州", "鸿畅", "鄢陵", "安陵", "文殊", "亳州", "谯城", "焦作", "汕尾", "曾家", "太原", "大同",
                "阳泉", "长治", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁", "阳城", "高平", "陵川", "泽州")
# A 2-character name in front of 省/市/县 is a place, unless its last character makes
# it a phrase (城市, 报县, 到县, 跨省 …). 我市/本县 are the source's own place: caught.
PLACE_BEFORE_SUFFIX = re.compile(r"([\u4e00-\u9fff]{2})(?:省|市|县)(?!场|级|内|外|社|直|辖)")
NOT_A_NAME_END = set("城报由向到至在交于其及和或经将的为发回上外跨全各该所级乡镇区本我辖")
OWN_PLACE = re.compile(r"(?:我|本)(?:省|市|县|区)(?!域)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
AMOUNT = re.compile(r"\d[\d,，.]*\s*(?:万|千|百)?元")

SOURCE_RECORDS = Path(__file__).resolve().parent / "data" / "source_matters.json"


def _source_place_names() -> set[str]:
    """Every place named in the samples' own jurisdictions (湖南省益阳市安化县 → 湖南, 益阳, 安化)."""
    names: set[str] = set()
    jurisdictions = [r.get("source_jurisdiction") or "" for r in json.loads(SOURCE_RECORDS.read_text(encoding="utf-8"))]
    for text in jurisdictions:
        for name in re.findall(r"([\u4e00-\u9fff]{2,4}?)(?:省|自治区|地区|市|县|高新区|区|镇|乡|街道)", text):
            names.add(name)
    return {n for n in names if not any(n in own or own in n for own in OURS)}


PLACES = tuple(sorted(set(PROVINCES) | set(OTHER_PLACES) | _source_place_names(), key=len, reverse=True))


def local_facts(text: str) -> list[str]:
    """What in `text` is another place's fact (empty: fine anywhere in China, or ours)."""
    for own in OURS:
        text = text.replace(own, "＿")
    hits = [f"place {p}" for p in PLACES if p in text]
    for match in PLACE_BEFORE_SUFFIX.finditer(text):
        if match.group(1)[-1] not in NOT_A_NAME_END and not any(p in match.group(0) for p in PLACES):
            hits.append(f"place {match.group(0)}")
    hits += [f"local {m.group(0)}" for m in OWN_PLACE.finditer(text)]
    hits += [f"phone {m.group(0)}" for m in (*MOBILE.finditer(text), *LANDLINE.finditer(text))]
    hits += [f"amount {m.group(0)}" for m in AMOUNT.finditer(text)]
    return hits


def _strings(value, key: str = ""):
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{key}.{k}" if key else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{key}[{i}]")


def citizen_facing_hits(folder: Path) -> list[str]:
    hits = []
    for path in sorted(folder.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        raw.pop("provenance", None)  # staff only: it must say where the sample came from
        for key, text in _strings(raw):
            hits += [f"{path.name}: {key}: {hit}  ({text[:40]})" for hit in local_facts(text)]
    return hits


def test_no_shipped_matter_tells_a_villager_another_places_facts():
    hits = citizen_facing_hits(default_matters_dir())
    assert not hits, f"{len(hits)} local facts from other places:\n" + "\n".join(hits)


@pytest.mark.parametrize("text, found", [
    ("安化县城乡居民最低生活保障申请表", "place 安化"),
    ("《海南省农村居民最低生活保障实施办法》", "place 海南"),
    ("具有我市户籍", "local 我市"),
    ("持本县户口的居民", "local 本县"),
    ("咨询电话：0737-7221234", "phone 0737-7221234"),
    ("联系人 13812345678", "phone 13812345678"),
    ("2000元/人/次", "amount 2000元"),
    ("到兴隆县民政局", "place 兴隆县"),
])
def test_the_scanner_catches_each_kind_of_local_fact(text, found):
    assert found in local_facts(text)


@pytest.mark.parametrize("text", [
    "《社会救助暂行办法》（国务院令第649号）",
    "《城市居民最低生活保障条例》",
    "向户籍所在地乡镇人民政府提出申请，乡镇审核后报县级民政部门审批",
    "沁水县民政局",
    "山西政务服务网",
    "居民身份证、户口簿原件和复印件",
    "城乡居民基本养老保险",
    "《人力资源市场暂行条例》（国务院令第700号）",
    "完成省级社会保险参保登记",
    "参加本区域内的城乡居民养老保险",
    "基本编码 000131128000",
])
def test_the_scanner_lets_national_and_our_own_text_through(text):
    assert local_facts(text) == []

"""The matter catalogue: shipped files load, broken files are named, unknowns stay unknown."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from devices.base.errors import ConfigError
from kiosk.guides import labels_zh as zh
from kiosk.guides.catalogue import checklist_items, checklist_notes, default_matters_dir, load_catalogue

REFORM_DEPARTMENTS = ("民政", "残联", "社保", "医保", "市场监管")


# --- the shipped catalogue -------------------------------------------------------

def test_every_shipped_matter_file_loads_and_validates(shipped_catalogue):
    files = sorted(f for f in default_matters_dir().glob("*.toml") if not f.name.startswith("_"))
    # 26 published samples, one file per matter: 低保, 临时救助, 残疾人证, 高龄津贴,
    # 养老保险注销 and 丧葬补助金 were each merged into one guide (dibao, linshi-jiuzhu,
    # canjirenzheng, gaoling-jintie, yanglao-zhuxiao, sangzang-buzhujin): 19 matters.
    assert len(files) == 19
    assert sorted(g.id for g in shipped_catalogue.guides) == sorted(f.stem for f in files)
    assert shipped_catalogue.problems == ()


# Words that name the act or the page, not the matter (残疾人证申领 and 残疾人证办理 are
# one guide), and 基本 (城乡居民基本养老保险 is 城乡居民养老保险).
_NOT_THE_MATTER = re.compile(r"申领|办理|申请|申报|领取|办事|指南|程序|流程|基本")


def _matter_parts(name: str) -> list[str]:
    """The benefits or services a name covers: 丧葬补助金、抚恤金申领（城乡居民养老保险） → 丧葬补助金, 抚恤金."""
    core = re.sub(r"（[^）]*）|\([^)]*\)|[《》\s]", "", name)
    return [part for part in re.split(r"[、和]", _NOT_THE_MATTER.sub("", core)) if part]


def _same_matter(a: str, b: str) -> bool:
    # One name's part (4+ characters, so not a bare 证 or 登记) found inside a part of the other.
    return any(len(x) >= 4 and x in y for xs, ys in ((_matter_parts(a), _matter_parts(b)),
                                                    (_matter_parts(b), _matter_parts(a))) for x in xs for y in ys)


def test_no_matter_is_shipped_twice(shipped_catalogue):
    # Two samples of one matter (names equal, or differing only by 申领/办理/（程序）…) show
    # a villager two guides that disagree; they are merged into one file.
    guides = sorted(shipped_catalogue, key=lambda g: g.id)
    names = [g.name for g in guides]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    twins = [f"{a.id} ({a.name}) ~ {b.id} ({b.name})"
             for i, a in enumerate(guides) for b in guides[i + 1:] if _same_matter(a.name, b.name)]
    assert twins == [], "\n".join(twins)


def test_the_twin_check_tells_one_matter_from_two():
    assert _same_matter("残疾人证申领", "残疾人证办理")
    assert _same_matter("高龄津贴", "高龄津贴申领（程序）")
    assert _same_matter("丧葬补助金、抚恤金申领（城乡居民养老保险）", "城乡居民基本养老保险丧葬补助金申领")
    assert not _same_matter("城乡居民养老保险参保登记", "城乡居民基本医疗保险参保登记")
    assert not _same_matter("城乡居民养老保险参保登记", "城乡居民养老保险注销登记")
    assert not _same_matter("社会保障卡注销", "社会保障卡启用")


def test_shipped_catalogue_covers_every_department_the_reform_names(shipped_catalogue):
    assert shipped_catalogue.departments[:5] == REFORM_DEPARTMENTS
    for department in REFORM_DEPARTMENTS:
        assert shipped_catalogue.by_department()[department], department


def test_every_shipped_guide_is_marked_as_a_sample_with_its_source(shipped_catalogue):
    for guide in shipped_catalogue:
        p = guide.provenance
        assert p.sample, guide.id
        assert p.sample_record and p.sample_record.startswith("M"), guide.id
        assert p.source_jurisdiction, guide.id
        assert p.verified_date is None, guide.id
        assert zh.SAMPLE_BANNER in dict(guide.display_fields())[zh.FIELD["source"]]
    # One source page was found only through a search index; it has no address.
    without_url = [g.id for g in shipped_catalogue if not g.provenance.source_url]
    assert without_url == ["jiuye-chuangye-zheng"]


def test_shipped_files_do_not_fill_in_values_the_sources_left_out(shipped_catalogue):
    # No source gave a contact phone or a result name: they must read 请咨询窗口.
    for guide in shipped_catalogue:
        fields = dict(guide.display_fields())
        assert fields[zh.FIELD["contact_phone"]] == zh.UNKNOWN, guide.id
        assert fields[zh.FIELD["result_name"]] == zh.UNKNOWN, guide.id
    # 社保卡启用: the source's material list was cut off, so the kiosk must not claim any.
    enable_card = shipped_catalogue.get("shebaoka-qiyong")
    assert enable_card.materials == ()
    assert dict(enable_card.display_fields())[zh.FIELD["materials"]] == zh.UNKNOWN
    # Time limits are each hall's promise (or a province's rule): no sample keeps another county's.
    for guide in shipped_catalogue:
        assert guide.time_limit_text() == zh.UNKNOWN, guide.id


def test_categories_by_department_and_life_event(shipped_catalogue):
    by_event = shipped_catalogue.by_life_event()
    assert {"生育", "养老", "残疾", "救助", "开店"} <= set(shipped_catalogue.life_events)
    assert [g.id for g in by_event["开店"]] == ["getihu-dengji"]
    assert [g.id for g in by_event["生育"]] == ["shengyu-dengji"]
    assert {"dibao", "linshi-jiuzhu", "tekun-gongyang"} <= {g.id for g in by_event["救助"]}
    assert {"canjirenzheng", "canji-liangxiang-butie"} <= {g.id for g in by_event["残疾"]}
    assert "getihu-dengji" in {g.id for g in shipped_catalogue.by_department()["市场监管"]}
    assert shipped_catalogue.get("getihu-dengji").delegated_from_county is None  # to check against Qinshui's list


# --- display fields and the printer checklist -----------------------------------

def test_a_minimal_guide_shows_every_unknown_field_as_ask_at_the_window(write_matter, matters_dir):
    write_matter("gaoling")
    guide = load_catalogue(matters_dir).get("gaoling")
    fields = guide.display_fields()
    labels = [label for label, _ in fields]
    assert len(labels) == len(set(labels))
    unknown = {label for label, text in fields if text == zh.UNKNOWN}
    for key in ("matter_type", "implementing_body", "materials", "process", "statutory_time_limit",
                "promised_time_limit", "fee", "result_name", "result_delivery", "visits_required",
                "in_person_required", "legal_basis", "contact_phone", "service_object", "conditions"):
        assert zh.FIELD[key] in unknown, key
    assert dict(fields)[zh.FIELD["accept_window"]] == "综合受理"
    assert dict(fields)[zh.FIELD["result_window"]] == "综合出件"


FULL_GUIDE = """\
name = "个体工商户登记"
department = "市场监管"
after_hours_dropoff_allowed = true
in_person_required = false
delegated_from_county = true
matter_type = "行政许可"
basic_code = "000131128000"
implementation_code = "11140521000000000000131128000"
implementing_body = "沁水县市场监督管理局"
acceptance_level = "乡镇受理"
decision_level = "县级"
service_object = "自然人"
conditions = "有经营能力的公民"
process = ["申请", "受理", "发照"]
visits_required = 1
contact_phone = "0356-7012345"

[[legal_basis]]
kind = "设定依据"
title = "《促进个体工商户发展条例》"
article = "第八条"
text = "个体工商户应当依法办理登记"

[[materials]]
name = "居民身份证"
original_or_copy = "原件"
medium = "纸质"
copies = 1
requirement = "必要"
source = "申请人自备"

[time_limit]
statutory_working_days = 15
promised_working_days = 3

[fee]
charged = false

[result]
name = "营业执照"
delivery = "窗口领取"

[provenance]
sample = false
verified_date = 2026-11-20
source_url = "https://example.gov.cn/guide"
source_jurisdiction = "沁水县"
"""


def test_a_complete_guide_shows_no_unknowns(write_matter, matters_dir):
    write_matter("getihu", FULL_GUIDE)
    guide = load_catalogue(matters_dir).get("getihu")
    fields = dict(guide.display_fields())
    assert [label for label, text in guide.display_fields() if zh.UNKNOWN in text] == []
    assert fields[zh.FIELD["promised_time_limit"]] == "3个工作日"
    assert fields[zh.FIELD["fee"]] == zh.FREE
    assert fields[zh.FIELD["legal_basis"]] == "设定依据：《促进个体工商户发展条例》第八条：个体工商户应当依法办理登记"
    assert fields[zh.FIELD["verified_date"]] == "2026-11-20"
    assert zh.SAMPLE_BANNER not in fields[zh.FIELD["source"]]
    assert guide.time_limit_text() == "3个工作日"


def test_checklist_items_feed_the_printer_with_ask_at_the_window_for_unknowns(shipped_catalogue):
    # The samples keep generic names only: copies and original/copy are each county's rule.
    rows = checklist_items(shipped_catalogue.get("shebaoka-zhuxiao"))
    assert rows == [
        ("中华人民共和国居民身份证", zh.UNKNOWN, zh.UNKNOWN, zh.UNKNOWN),
        ("社会保障卡", zh.UNKNOWN, zh.UNKNOWN, zh.UNKNOWN),
    ]
    # Materials unknown: one row that says so, never an empty list on paper.
    assert checklist_items(shipped_catalogue.get("shebaoka-qiyong")) == [
        (zh.CHECKLIST_NOTE_UNKNOWN, zh.UNKNOWN, zh.UNKNOWN, zh.UNKNOWN)]
    assert zh.CHECKLIST_NOTE_SAMPLE in checklist_notes(shipped_catalogue.get("dibao"))
    # On screen: what is known, then a pointer to the window for the rest.
    materials = dict(shipped_catalogue.get("shebaoka-zhuxiao").display_fields())[zh.FIELD["materials"]]
    assert materials.splitlines()[0] == "1、中华人民共和国居民身份证：请咨询窗口"


# --- broken files name the file and the field -------------------------------------

BROKEN = [
    ("wrong type for copies", 'name = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[[materials]]\nname = "身份证"\n[[materials]]\nname = "户口簿"\ncopies = "两份"\n[provenance]\nsample = true\n',
     "materials[1].copies", "expected a whole number"),
    ("misspelt key", 'nmae = "x"\nname = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[provenance]\nsample = true\n', "nmae", "unknown key"),
    ("missing name", 'department = "民政"\nafter_hours_dropoff_allowed = false\n[provenance]\nsample = true\n',
     "name", "missing"),
    ("missing provenance", 'name = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n',
     "provenance", "missing"),
    ("matter type not one of the eight", 'name = "x"\ndepartment = "民政"\nmatter_type = "行政服务"\n'
     'after_hours_dropoff_allowed = false\n[provenance]\nsample = true\n', "matter_type", "not allowed"),
    ("id written in the file", 'id = "other"\nname = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[provenance]\nsample = true\n', "id", "file name"),
    ("TOML syntax", 'name = "x\ndepartment = "民政"\n', "(syntax)", "line"),
    ("drop-off for an in-person matter", 'name = "x"\ndepartment = "残联"\nin_person_required = true\n'
     'after_hours_dropoff_allowed = true\n[provenance]\nsample = true\n', "after_hours_dropoff_allowed", "in person"),
    ("unknown life event", 'name = "x"\ndepartment = "民政"\nlife_events = ["养老", "养 老"]\n'
     'after_hours_dropoff_allowed = false\n[provenance]\nsample = true\n', "life_events[1]", "life event"),
    ("promise longer than the law", 'name = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[time_limit]\nstatutory_working_days = 5\npromised_working_days = 10\n[provenance]\nsample = true\n',
     "time_limit.promised_working_days", "longer"),
    ("case-dependent material without its case", 'name = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[[materials]]\nname = "委托书"\nrequirement = "视情形"\n[provenance]\nsample = true\n', "materials[0].case", "case"),
    ("verified guide without a date", 'name = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[provenance]\nsample = false\n', "provenance.verified_date", "verified_date"),
    ("code with letters", 'name = "x"\ndepartment = "民政"\nbasic_code = "00013A"\nafter_hours_dropoff_allowed = false\n'
     '[provenance]\nsample = true\n', "basic_code", "digits"),
    ("fee standard but free", 'name = "x"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
     '[fee]\ncharged = false\nstandard = "10元"\n[provenance]\nsample = true\n', "fee.standard", "charged"),
]


@pytest.mark.parametrize("text,key,problem", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_file_names_the_file_and_the_field(write_matter, matters_dir, text, key, problem):
    write_matter("gaoling")
    path = matters_dir / "broken-one.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(matters_dir)
    error = caught.value
    assert error.file == str(path)
    assert error.key == key
    assert problem in error.problem + error.fix
    assert "broken-one.toml" in error.message_en and key in error.message_en
    assert error.message_zh  # the screen gets a Chinese sentence, not a traceback


def test_a_bad_file_name_is_refused(write_matter, matters_dir):
    write_matter("Low Bao")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(matters_dir)
    assert caught.value.key == "(file name)"


def test_lenient_loading_skips_only_the_broken_file_and_reports_it(shipped_copy):
    broken = shipped_copy / "dibao.toml"
    broken.write_text(broken.read_text(encoding="utf-8").replace('name = "身份证"', 'name = "身份证"\ncopies = "一份"', 1),
                      encoding="utf-8")
    catalogue = load_catalogue(shipped_copy, strict=False)
    assert len(catalogue) == 18
    assert catalogue.get("dibao") is None and catalogue.get("linshi-jiuzhu") is not None
    [problem] = catalogue.problems
    assert problem.file == str(broken) and problem.key == "materials[1].copies"
    with pytest.raises(ConfigError):
        load_catalogue(shipped_copy)



# --- warnings that load fine but would confuse a villager ----------------------------

def test_check_warns_about_a_misspelt_department_and_an_unknown_window(shipped_copy, capsys):
    from kiosk.cli import main

    path = shipped_copy / "zhaijidi.toml"
    text = path.read_text(encoding="utf-8").replace('department = "农业农村"', 'department = "民证"')
    path.write_text(text.replace("\nafter_hours_dropoff_allowed =",
                                            '\naccept_window = "综合窗口"\nafter_hours_dropoff_allowed ='),
                    encoding="utf-8")
    code = main(["guides", "check", "--matters", str(shipped_copy)])
    out = capsys.readouterr().out
    assert code == 0  # it loads; the warnings tell staff what to fix
    assert "warning: zhaijidi.toml: department: '民证' is used by this guide only; did you mean '民政'?" in out
    assert "warning: zhaijidi.toml: accept_window: '综合窗口' is not a queue of this hall" in out


# --- the one-off importer that built the sample files ---------------------------------

def test_sample_importer_keeps_unknowns_out_and_the_source_in(tmp_path):
    from kiosk.guides.catalogue import load_guide
    from kiosk.guides.sample_import import record_to_guide, to_toml

    record = {
        "id": "M25", "name": "个体工商户登记", "name_as_published": "个体工商户登记注册", "category": "市场监管",
        "department": "某县市场监管局", "matter_type": "行政许可（许可类型：登记型）", "basic_code": "000131128000",
        "implementation_code": None, "acceptance_level": None, "decision_level": "县级", "service_object": None,
        "eligibility": "有经营能力的公民", "legal_basis": ["设定依据：《促进个体工商户发展条例》第八条：应当登记"],
        "materials": [{"name": "身份证", "form": "原件及复印件各1份", "copies": None, "required": "委托时"}],
        "process": ["申请", "受理"], "statutory_time_limit": "20个工作日", "promised_time_limit": None,
        "time_limit_as_published": None, "fee": "不收费", "result_name": None, "delivery": None,
        "visits_required": "0次", "benefit_standard_as_published": None, "location_as_published": None,
        "hours_as_published": None, "source_jurisdiction": "某县", "source_url": "https://a.gov.cn/x；https://b.cn/y",
        "source_date": None, "source_site_type": "gov.cn", "excerpt_complete": False, "notes": None,
    }
    guide_id, data = record_to_guide(record)
    path = tmp_path / f"{guide_id}.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    guide = load_guide(path)
    assert guide.id == "getihu-dengji" and guide.department == "市场监管"
    assert guide.matter_type == "行政许可" and guide.matter_type_note == "许可类型：登记型"
    assert guide.legal_basis[0].kind == "设定依据" and guide.legal_basis[0].article == "第八条"
    assert guide.legal_basis[0].text == "应当登记"
    [material] = guide.materials
    assert (material.original_or_copy, material.copies, material.copies_note) == ("原件和复印件", None, "原件及复印件各1份")
    assert (material.requirement, material.case) == ("视情形", "委托别人办")
    assert guide.time_limit.statutory_working_days == 20 and guide.time_limit.promised_working_days is None
    assert guide.fee.charged is False and guide.visits_required == 0
    # Nulls stay unknown: no key written, so the screen says 请咨询窗口.
    for key in ("implementation_code", "acceptance_level", "service_object", "contact_phone", "implementing_body"):
        assert getattr(guide, key) is None, key
    assert guide.result.name is None and guide.provenance.source_date is None
    assert "implementation_code" not in path.read_text(encoding="utf-8")
    # The other county's office name is kept for staff, never shown as ours.
    assert guide.provenance.source_department == "某县市场监管局"
    assert guide.provenance.source_url == "https://a.gov.cn/x" and "https://b.cn/y" in guide.provenance.notes
    assert guide.provenance.sample is True and guide.provenance.sample_record == "M25"


def test_the_template_staff_copy_shows_every_field_and_is_not_a_matter(shipped_catalogue, matters_dir):
    template = default_matters_dir() / "_template.toml"
    assert shipped_catalogue.get("_template") is None
    # What staff do: copy it under a new name; the copy is valid as written.
    copy = matters_dir / "gaoling-new.toml"
    copy.write_bytes(template.read_bytes())
    guide = load_catalogue(matters_dir).get("gaoling-new")
    fields = guide.display_fields(dropoff_available=True)  # staff's copy of a kiosk that has the drop-off
    assert [label for label, text in fields if zh.UNKNOWN in text] == []
    assert len([label for label, _ in fields]) == len(zh.FIELD)  # every label used once
    material = guide.materials[0]
    assert None not in (material.blank_form_url, material.sample_url, material.check_point, material.source_note)


# --- every shipped value is backed by its source record ---------------------------

# A copy of shared/data/matters.json (the published records the samples were built
# from), kept beside the test so it runs in any clone.
MATTERS_JSON = Path(__file__).resolve().parent / "data" / "source_matters.json"
# What the kiosk may add to a sample (marked in each file's header): search help, the
# hall department, the proposed kiosk flags, and the sample marker itself.
KIOSK_METADATA = {"department", "short_names", "keywords", "life_events", "after_hours_dropoff_allowed",
                  "in_person_required", "provenance.sample", "provenance.sample_record"}
# Values the importer maps from the source's wording onto the schema's closed lists.
MAPPED_FROM_SOURCE = {"original_or_copy": "form", "medium": "form", "requirement": "required", "case": "required"}


def _leaves(value, path=""):
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for i, sub in enumerate(value):
            yield from _leaves(sub, f"{path}[{i}]")
    elif isinstance(value, list):
        for sub in value:
            yield path, sub
    else:
        yield path, value


def test_shipped_samples_claim_nothing_their_source_did_not_say(shipped_catalogue):
    # GIVEN the 26 published records the samples were built from
    records = {r["id"]: r for r in json.loads(MATTERS_JSON.read_text(encoding="utf-8"))}
    invented = []
    for guide in shipped_catalogue:
        record = records[guide.provenance.sample_record]
        source_text = json.dumps(record, ensure_ascii=False)
        raw = tomllib.loads((default_matters_dir() / f"{guide.id}.toml").read_text(encoding="utf-8"))
        # WHEN each value in the file is looked up in its record
        for path, value in _leaves(raw):
            key = re.sub(r"\[\d+\]", "", path)
            leaf = key.rsplit(".", 1)[-1]
            if key in KIOSK_METADATA:
                continue
            if key.startswith("materials.") and leaf in MAPPED_FROM_SOURCE:
                index = int(re.search(r"materials\[(\d+)\]", path)[1])
                backed = bool(record["materials"][index].get(MAPPED_FROM_SOURCE[leaf]))
            elif key == "fee.charged":
                backed = value is False and str(record.get("fee")).startswith(("否", "不收费", "免费", "0"))
            elif key == "legal_basis.kind":
                backed = value in source_text or (value == "设定依据" and "设立依据" in source_text)
            elif key == "provenance.notes":  # the record's notes, its further source addresses, then the kiosk's
                from_source = value.split("；本机说明：")[0] if not value.startswith("本机说明：") else ""
                backed = all(part in source_text for part in from_source.split("；另一来源：") if part)
            elif isinstance(value, bool):
                backed = record.get(leaf) is value
            else:
                backed = str(value) in source_text
            if not backed:
                invented.append(f"{guide.id}.toml: {path} = {value!r}")
    # THEN nothing is there that the source did not give
    assert invented == [], "\n".join(invented)


def test_no_sample_claims_the_county_delegated_the_matter(shipped_catalogue):
    # The sources say 县级承办 (残疾人证) and 可委托/下放, to be checked against Qinshui's own
    # delegation list (个体工商户): whether the township handles it is unknown.
    for guide in shipped_catalogue:
        assert guide.delegated_from_county is None, guide.id
        assert dict(guide.display_fields())[zh.FIELD["delegated_from_county"]] == zh.UNKNOWN

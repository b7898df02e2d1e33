"""`kiosk guides …` commands and the two exports (notice-board HTML, platform JSON)."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser

import pytest

from kiosk.cli import main
from kiosk.guides import labels_zh as zh
from kiosk.guides.catalogue import load_catalogue
from kiosk.guides.export import catalogue_to_html, guide_url

DIBAO = {"dibao"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- search / show / list / check ---------------------------------------------------

def test_search_prints_ranked_matters(capsys):
    code, out, _ = run(capsys, "guides", "search", "db")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(" 1. 最低生活保障") and "[dibao" in lines[0] and "首字母" in lines[0]


def test_search_json_for_scripts(capsys):
    code, out, _ = run(capsys, "guides", "search", "营业执照", "--json")
    assert code == 0
    hits = json.loads(out)
    assert hits[0]["id"] == "getihu-dengji" and hits[0]["matched_on"] == "营业执照" and hits[0]["sample"] is True


def test_search_with_no_result_says_so_in_chinese_and_fails(capsys):
    code, out, _ = run(capsys, "guides", "search", "qqqxz")
    assert code == 1
    assert zh.NO_RESULTS in out


def test_show_prints_every_field_with_unknowns_as_ask_at_the_window(capsys):
    code, out, _ = run(capsys, "guides", "show", "getihu-dengji")
    assert code == 0
    assert out.splitlines()[0] == "事项名称：个体工商户登记"
    assert "咨询电话：请咨询窗口" in out
    assert "基本编码：000131128000" in out
    assert zh.SAMPLE_BANNER in out


def test_show_for_staff_adds_where_the_sample_came_from(capsys):
    code, out, _ = run(capsys, "guides", "show", "tekun-gongyang", "--staff")
    assert code == 0
    assert "样例编号：M05" in out
    assert "原文补助标准（外地）：农村特困供养人员基本生活标准：每人每月585元" in out
    assert "核对人：（未填写）" in out
    # Staff see the jurisdiction the sample came from; citizens see only 示例内容.
    assert "来源地区：河南省许昌市禹州市鸿畅镇人民政府（乡级）" in out
    _, citizen_view, _ = run(capsys, "guides", "show", "tekun-gongyang")
    assert "585元" not in citizen_view  # another county's payment is never shown to citizens as ours
    assert "河南" not in citizen_view and "禹州" not in citizen_view
    assert f"信息来源：{zh.SAMPLE_BANNER}" in citizen_view and "示例内容" in zh.SAMPLE_BANNER


def test_a_guide_the_hall_confirmed_shows_its_own_source_and_no_sample_banner(write_matter, matters_dir, capsys):
    write_matter("dibao", """\
        name = "最低生活保障"
        department = "民政"
        after_hours_dropoff_allowed = false

        [provenance]
        sample = false
        verified_date = 2026-12-01
        source_jurisdiction = "山西省晋城市沁水县"
        source_date = "2026-11"
        """)
    code, out, _ = run(capsys, "guides", "show", "dibao", "--matters", str(matters_dir))
    assert code == 0
    assert "信息来源：山西省晋城市沁水县公布（2026-11）" in out
    assert "示例内容" not in out


def test_show_json_keeps_unknowns_as_null(capsys):
    code, out, _ = run(capsys, "guides", "show", "dibao", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["contact_phone"] is None and data["fee"]["charged"] is None
    assert data["materials"][1] == {
        "name": "身份证", "original_or_copy": None, "medium": None, "copies": None, "copies_note": None,
        "requirement": None, "case": None, "source": None, "form_as_published": None,
        "blank_form_url": None, "sample_url": None, "check_point": None, "source_note": None}


def test_show_an_unknown_id_gives_a_chinese_message(capsys):
    code, _, err = run(capsys, "guides", "show", "no-such-matter")
    assert code == 1
    assert zh.GUIDE_NOT_FOUND in err and "no-such-matter" in err


def test_list_by_life_event(capsys):
    code, out, _ = run(capsys, "guides", "list", "--by", "life-event", "--json")
    assert code == 0
    groups = json.loads(out)
    assert list(groups)[:2] == ["生育", "养老"]
    assert [g["id"] for g in groups["开店"]] == ["getihu-dengji"]


def test_check_reports_every_broken_file_and_fails(capsys, shipped_copy):
    (shipped_copy / "zhaijidi.toml").write_text('name = "宅基地"\n', encoding="utf-8")
    broken = shipped_copy / "dibao.toml"
    # A typical slip: a line added at the end of the file lands in its last table.
    broken.write_text(broken.read_text(encoding="utf-8") + '\nvisits_required = 1\n', encoding="utf-8")
    code, out, _ = run(capsys, "guides", "check", "--matters", str(shipped_copy))
    assert code == 1
    assert "zhaijidi.toml: department: missing" in out
    assert "dibao.toml: provenance.visits_required: unknown key" in out
    assert "17 matters load" in out


def test_check_passes_on_the_shipped_catalogue(capsys):
    code, out, _ = run(capsys, "guides", "check")
    assert code == 0
    assert out.strip() == "19 matters load (19 still samples to verify), 0 broken files"


# --- exports ----------------------------------------------------------------------------

def test_json_export_for_the_provincial_platform(capsys, tmp_path):
    out_file = tmp_path / "platform" / "guides.json"
    code, _, err = run(capsys, "guides", "export", "--format", "json", "--out", str(out_file))
    assert code == 0 and "19 matters" in err
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["format"] == "qinxin-kiosk/guides/v1"
    assert data["hall"] == "嘉峰镇便民服务中心"
    assert data["count"] == data["samples"] == 19
    by_id = {m["id"]: m for m in data["matters"]}
    assert by_id["yanglao-zhuxiao"]["basic_code"] == "002014006009"  # national; the county's implementation code is not kept
    assert by_id["yanglao-zhuxiao"]["implementation_code"] is None
    assert by_id["dibao"]["legal_basis"][0]["article"] == "第九条"
    assert all(m["provenance"]["sample"] and m["contact_phone"] is None for m in data["matters"])


class _Outline(HTMLParser):
    """Collects what a reader of the printed catalogue would see: rows, sections, text."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.rows = 0
        self.sections: list[str] = []
        self.svgs = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "col", "path"):
            self.open.append(tag)
        if tag == "tr":
            self.rows += 1
        if tag == "section":
            self.sections.append(dict(attrs)["id"])
        if tag == "svg":
            self.svgs += 1

    def handle_endtag(self, tag):
        if tag in ("meta", "col", "path"):
            return
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_html_catalogue_lists_every_matter_by_department_and_has_a_page_each(capsys, tmp_path, artifacts):
    out_file = artifacts("guides") / "catalogue.html"
    code, _, _ = run(capsys, "guides", "export", "--format", "html", "--out", str(out_file))
    assert code == 0
    page = out_file.read_text(encoding="utf-8")
    outline = _Outline()
    outline.feed(page)
    outline.close()
    assert outline.open == []  # every tag closed, so it prints as laid out
    catalogue = load_catalogue()
    departments = catalogue.by_department()
    assert outline.rows == len(catalogue) + len(departments)  # a head row per department table
    assert sorted(outline.sections) == sorted(g.id for g in catalogue)
    # Nothing serves the online guides yet: paper must not promise them with a QR code.
    assert outline.svgs == 0
    text = "".join(outline.text)
    assert "下班后投递" in text  # the default hall offers the after-hours drop-off
    assert "嘉峰镇便民服务中心办事指南目录" in text
    assert zh.CATALOGUE_SAMPLE_NOTE in text
    for department, guides in departments.items():
        assert f"{department}（{len(guides)}项）" in text
    for guide in catalogue:
        assert guide.name in text


def test_html_list_only_and_escaping(tmp_path, write_matter, matters_dir):
    write_matter("odd", 'name = "<b>低保</b> & 救助"\ndepartment = "民政"\nafter_hours_dropoff_allowed = true\n'
                        '[provenance]\nsample = false\nverified_date = 2026-11-01\n')
    page = catalogue_to_html(load_catalogue(matters_dir), "测试<中心>", printed=dt.date(2026, 11, 27),
                             with_details=False)
    assert "&lt;b&gt;低保&lt;/b&gt; &amp; 救助" in page and "<b>低保" not in page
    assert "测试&lt;中心&gt;" in page
    assert "<section" not in page and "<svg" not in page
    assert zh.CATALOGUE_SAMPLE_NOTE not in page  # no samples in this catalogue
    assert "打印日期：2026-11-27" in page
    assert "下班后投递" not in page  # not offered: no column promising it


def test_html_details_carry_a_qr_code_only_for_a_served_guide_page(tmp_path, write_matter, matters_dir):
    write_matter("odd", 'name = "低保"\ndepartment = "民政"\nafter_hours_dropoff_allowed = false\n'
                        '[provenance]\nsample = false\nverified_date = 2026-11-01\n')
    served = catalogue_to_html(load_catalogue(matters_dir), "中心", printed=dt.date(2026, 11, 27),
                               guide_link=lambda guide_id: f"http://hall.local/g/{guide_id}")
    assert served.count("<svg") == 1
    unserved = catalogue_to_html(load_catalogue(matters_dir), "中心", printed=dt.date(2026, 11, 27))
    assert "<svg" not in unserved


@pytest.mark.parametrize("base,expected", [
    ("http://hall.local:8080", "http://hall.local:8080/guides/dibao"),
    ("http://hall.local:8080/", "http://hall.local:8080/guides/dibao"),
    ("", ""),
])
def test_guide_url_for_qr_codes(base, expected):
    assert guide_url(base, "dibao") == expected

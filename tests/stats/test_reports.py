"""Reports: the hall's workbook, HTML page and charts; the export; the county merge of twelve townships."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest
from openpyxl import load_workbook
from PIL import Image

from kiosk.cli import main
from kiosk.demo import ARRIVAL_PROFILES, simulate_days
from kiosk.report_cli import county_report, export_payload, hall_report
from kiosk.reports.writers import ReportError
from kiosk.root.hall import open_hall
from kiosk.stats.kpis import hall_figures
from kiosk.stats.period import parse_period

TOWNSHIPS = ("嘉峰镇", "郑村镇", "端氏镇", "龙港镇", "中村镇", "郑庄镇", "胡底乡", "固县乡", "十里乡", "土沃乡",
             "张村乡", "苏庄乡")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Three simulated working days of November in one database."""
    from kiosk.config import load_settings

    folder = tmp_path_factory.mktemp("sim")
    database = folder / "hall.db"
    simulate_days(load_settings(), open_hall, dt.date(2026, 11, 25), 3, database, seed=11)
    return database


def test_the_workbook_has_the_sheets_and_the_figures(settings, simulated, artifacts):
    out = artifacts("stats") / "hall-2026-11"
    hall = open_hall(settings, database=simulated, enforce_hours=False)
    try:
        figures = hall_figures(hall.store, settings, parse_period("2026-11"), hall.clock)
        files = hall_report(hall, "2026-11", out)
    finally:
        hall.close()
    book = load_workbook(files["xlsx"])
    assert book.sheetnames == ["概览", "按日", "按队列", "按窗口", "按工作人员", "分时段排队", "等候时长分布", "投递件", "评价",
                               "差评", "图表"]
    summary = {row[0]: row[1] for row in book["概览"].iter_rows(min_row=2, values_only=True)}
    assert summary["便民服务中心"] == "嘉峰镇便民服务中心" and summary["统计周期"] == "2026年11月"
    assert summary["取号人数"] == figures.tickets.issued > 100
    assert summary["办结"] == figures.tickets.served
    assert summary["平均等候（分钟）"] == round(figures.tickets.wait.mean, 1)
    assert summary["最多同时排队（人）"] == figures.max_queue_length
    days = [row for row in book["按日"].iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in days] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert sum(row[1] for row in days) == figures.tickets.issued
    windows = {row[0]: row for row in book["按窗口"].iter_rows(min_row=2, values_only=True)}
    assert set(windows) == {"1号窗口", "2号窗口", "3号窗口"}
    assert sum(r[2] for r in windows.values()) == figures.tickets.served
    bad = list(book["差评"].iter_rows(min_row=2, values_only=True))
    assert len(bad) == len(figures.bad_ratings) and all(row[2] for row in bad)  # every 差评 has its reason
    assert len(book["图表"]._images) == 3
    assert len(files["csv"]) == 10 and all(p.stat().st_size > 20 for p in files["csv"])


def test_the_html_page_shows_its_charts(settings, simulated, artifacts):
    out = artifacts("stats") / "hall-2026-W48"
    hall = open_hall(settings, database=simulated, enforce_hours=False)
    try:
        files = hall_report(hall, "2026-W48", out)
    finally:
        hall.close()
    page = files["html"].read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sorted(sources) == ["queue_by_hour.png", "ratings_by_window.png", "wait_distribution.png"]
    for name in sources:
        png = out / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 15_000
        with Image.open(png) as image:
            assert image.width >= 800 and image.height >= 400
            # Non-trivial: many colours (bars, text), not an empty canvas.
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 50
    assert "嘉峰镇便民服务中心 运行情况" in page and "满意率" in page and "提醒：" in page


def test_export_holds_the_hall_and_merge_ranks_twelve_townships(settings, tmp_path, artifacts):
    exports = []
    for index, township in enumerate(TOWNSHIPS):
        variant = dataclasses.replace(settings, hall=dataclasses.replace(
            settings.hall, name=f"{township}便民服务中心", township=township))
        database = tmp_path / f"{index}.db"
        profile = {h: n * (0.6 + index * 0.08) for h, n in ARRIVAL_PROFILES["quiet"].items()}
        simulate_days(variant, open_hall, dt.date(2026, 11, 27), 1, database, seed=100 + index, profile=profile,
                      dropoffs=0)
        hall = open_hall(variant, database=database, enforce_hours=False)
        try:
            payload = export_payload(hall, "2026-11")
        finally:
            hall.close()
        path = tmp_path / f"{township}.json"
        path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        exports.append(path)
    first = json.loads(exports[0].read_text(encoding="utf-8"))
    assert first["hall"] == {"name": "嘉峰镇便民服务中心", "township": "嘉峰镇", "county": "沁水县"}
    assert first["period"] == "2026-11" and first["figures"]["tickets"]["issued"] > 0

    out = artifacts("stats") / "county-2026-11"
    files = county_report(exports, out)
    book = load_workbook(files["xlsx"])
    rows = list(book["全县排名"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 12
    assert header[:4] == ("排名", "乡镇", "便民服务中心", "综合得分")
    assert [row[0] for row in body] == list(range(1, 13))
    assert sorted(row[1] for row in body) == sorted(TOWNSHIPS)
    scores = [row[3] for row in body]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 100
    page = files["html"].read_text(encoding="utf-8")
    assert "沁水县各乡镇便民服务中心" in page and (out / "county_scores.png").stat().st_size > 10_000
    assert files["csv"].read_text(encoding="utf-8-sig").count("\n") == 13


def test_merge_refuses_mixed_periods_and_foreign_files(tmp_path):
    good = {"format": "qinxin-hall-figures/1", "period": "2026-11", "hall": {}, "figures": {}}
    (tmp_path / "a.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(good | {"period": "2026-10"}), encoding="utf-8")
    (tmp_path / "c.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ReportError, match="different periods"):
        county_report([tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "out")
    with pytest.raises(ReportError, match="not a hall export"):
        county_report([tmp_path / "c.json"], tmp_path / "out")


def test_the_commands(simulated, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "--period", "2026-11-26", "--db", str(simulated), "--out", str(out)]) == 0
    assert (out / "report-2026-11-26.xlsx").exists() and (out / "report-2026-11-26.html").exists()
    export = tmp_path / "jiafeng.json"
    assert main(["report", "export", "--period", "2026-11", "--db", str(simulated), "--out", str(export)]) == 0
    assert main(["report", "merge", str(export), "--out", str(tmp_path / "county")]) == 0
    assert (tmp_path / "county" / "county-2026-11.xlsx").exists()
    assert main(["report", "--period", "november", "--db", str(simulated)]) == 1
    assert "统计周期写法不对" in capsys.readouterr().err

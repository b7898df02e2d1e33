"""`kiosk report`: the hall's figures for a period as CSV, an XLSX workbook and an HTML page with charts;
`kiosk report export` (one JSON file for the county) and `kiosk report merge` (the county view)."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.reports import charts
from kiosk.reports.county import county_rows, county_table
from kiosk.reports.tables import hall_tables
from kiosk.reports.writers import EXPORT_FORMAT, ReportError, read_export, write_csv, write_html, write_json, write_xlsx
from kiosk.stats.kpis import hall_figures
from kiosk.stats.period import parse_period
from kiosk.stats.thresholds import raise_alerts


def hall_report(hall, period_text: str, out: Path) -> dict[str, Path | list[Path]]:
    """Write the hall's report of `period_text` into `out`; raise the threshold alerts. Returns the files."""
    period = parse_period(period_text)
    figures = hall_figures(hall.store, hall.settings, period, hall.clock)
    found = raise_alerts(figures, hall.settings.stats, hall.alerts)
    data = figures.as_dict()
    out.mkdir(parents=True, exist_ok=True)
    tables = hall_tables(data)
    images = charts.hall_charts(data, out)
    stem = f"report-{period.label}"
    title = f"{figures.hall_name} 运行情况 · {period.label_zh}"
    note = "；".join(b.message_zh for b in found) if found else "各项指标均在设定范围内。"
    return {
        "csv": write_csv(tables, out, stem),
        "xlsx": write_xlsx(tables, out / f"{stem}.xlsx", images),
        "html": write_html(tables, out / f"{stem}.html", title, images, note="提醒：" + note),
        "charts": list(images.values()),
    }


def export_payload(hall, period_text: str) -> dict:
    figures = hall_figures(hall.store, hall.settings, parse_period(period_text), hall.clock)
    return {"format": EXPORT_FORMAT, "hall": {"name": figures.hall_name, "township": figures.township,
                                              "county": figures.county},
            "period": figures.period.label, "figures": figures.as_dict()}


def county_report(files: list[Path], out: Path) -> dict[str, Path]:
    exports = [read_export(path) for path in files]
    periods = sorted({e["period"] for e in exports})
    if len(periods) > 1:
        raise ReportError(f"exports of different periods {periods}: merge one period at a time",
                          f"这些文件的统计周期不一样（{'、'.join(periods)}），请一次只合并同一个周期")
    if not exports:
        raise ReportError("no exports given", "请给出要合并的乡镇统计文件")
    rows = county_rows(exports)
    table = county_table(rows)
    out.mkdir(parents=True, exist_ok=True)
    county = exports[0]["hall"]["county"]
    images = charts.county_chart(rows, out)
    stem = f"county-{periods[0]}"
    return {
        "csv": write_csv([table], out, stem)[0],
        "xlsx": write_xlsx([table], out / f"{stem}.xlsx", images),
        "html": write_html([table], out / f"{stem}.html", f"{county}各乡镇便民服务中心 · {periods[0]}", images,
                           note="综合得分：满意率40分，等候P90 30分（0分钟满分，60分钟以上0分），投递按时率20分，"
                                "过号少10分；缺项按各乡镇平均计。"),
    }


def _open(args):
    if args.db:
        database = Path(args.db).expanduser().resolve()
        if not database.exists():
            raise ReportError(f"no database {database}", f"没有找到数据库 {database}")
        beside = database.with_name(database.name + ".data")
        if beside.is_dir():  # a simulated hall (kiosk sim day) keeps its keys there
            os.environ["KIOSK_DATA_DIR"] = str(beside)
        return args.open_hall(database=database, enforce_hours=False)
    return args.open_hall(enforce_hours=False)


def _report(args) -> int:
    if args.report_command == "merge":
        files = county_report([Path(p) for p in args.files], Path(args.out))
        print(f"全县汇总：{files['html']}\n{files['xlsx']}\n{files['csv']}")
        return 0
    if not args.period:
        raise ReportError("--period is required", "请用 --period 指定统计周期，如 2026-11")
    hall = _open(args)
    try:
        if args.report_command == "export":
            path = write_json(export_payload(hall, args.period), Path(args.out))
            print(f"已导出：{path}")
            return 0
        files = hall_report(hall, args.period, Path(args.out or f"report-{args.period}"))
    finally:
        hall.close()
    print(f"报表：{files['html']}\n{files['xlsx']}\n{len(files['csv'])} 个 CSV 文件，{len(files['charts'])} 张图")
    return 0


def register(cli) -> None:
    p = cli.command("report", "the hall's figures for a period: CSV, XLSX and HTML with charts", _report)
    p.add_argument("--period", help="2026-11-27 (day), 2026-W48 (week) or 2026-11 (month)")
    p.add_argument("--out", help="folder (default report-PERIOD)")
    p.add_argument("--db", help="another database (e.g. one written by kiosk sim day)")
    sub = p.add_subparsers(dest="report_command", metavar="ACTION")
    export = sub.add_parser("export", help="the hall's figures as one JSON file for the county")
    export.add_argument("--period", required=True)
    export.add_argument("--out", required=True, help="FILE.json")
    export.add_argument("--db")
    merge = sub.add_parser("merge", help="the county view of many halls' exports, with a ranking")
    merge.add_argument("files", nargs="+", help="FILE.json from kiosk report export")
    merge.add_argument("--out", required=True, help="folder")

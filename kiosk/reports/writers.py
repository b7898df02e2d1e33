"""Tables and charts to files: one CSV per table, one XLSX workbook (a sheet per table), one HTML page."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from devices.base.errors import KioskError
from kiosk.reports.tables import Table


class ReportError(KioskError):
    code = "report_error"


def write_csv(tables: list[Table], out: Path, stem: str) -> list[Path]:
    """UTF-8 with BOM, so Excel on a county office PC opens the Chinese correctly."""
    paths = []
    for table in tables:
        path = out / f"{stem}-{table.key}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.headers)
            writer.writerows(table.rows)
        paths.append(path)
    return paths


def write_xlsx(tables: list[Table], path: Path, images: dict[str, Path] | None = None) -> Path:
    try:
        from openpyxl import Workbook
        from openpyxl.drawing.image import Image
        from openpyxl.styles import Font
    except ImportError as exc:  # a dependency; only a broken install lacks it
        raise ReportError("openpyxl is not installed", "缺少 openpyxl，无法生成 Excel 文件") from exc
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        for index, header in enumerate(table.headers, start=1):
            width = max([len(str(header))] + [len(str(r[index - 1])) for r in table.rows[:200]]) * 2 + 2
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width, 40)
        sheet.freeze_panes = "A2"
    if images:
        sheet = book.create_sheet("图表")
        row = 1
        for image_path in images.values():
            sheet.add_image(Image(str(image_path)), f"A{row}")
            row += 25
    book.save(path)
    return path


def write_html(tables: list[Table], path: Path, title: str, images: dict[str, Path], note: str = "") -> Path:
    """One self-contained page beside its PNG charts (relative links), readable offline."""
    parts = [f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             "<style>body{font-family:'WenQuanYi Micro Hei',sans-serif;margin:24px;color:#222}"
             "table{border-collapse:collapse;margin:8px 0 24px}th,td{border:1px solid #bbb;padding:4px 8px;"
             "text-align:right}th{background:#eef}td:first-child{text-align:left}img{max-width:100%;margin:8px 0}"
             "</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    for key, image in images.items():
        parts.append(f'<figure><img src="{html.escape(image.name)}" alt="{html.escape(key)}"></figure>')
    for table in tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2><table><thead><tr>")
        parts.extend(f"<th>{html.escape(str(h))}</th>" for h in table.headers)
        parts.append("</tr></thead><tbody>")
        for row in table.rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def write_json(data: dict, path: Path) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_export(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: not a hall export ({exc})", f"{path} 不是乡镇导出的统计文件") from exc
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or "figures" not in data:
        raise ReportError(f"{path}: not a hall export (format {data.get('format') if isinstance(data, dict) else '?'})",
                          f"{path} 不是乡镇导出的统计文件（kiosk report export）")
    return data


EXPORT_FORMAT = "qinxin-hall-figures/1"

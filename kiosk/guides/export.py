"""Catalogue exports: a printable HTML list for the notice board, JSON for the platform.

The HTML is one self-contained file (inline CSS and SVG QR codes, no scripts, no web
fonts) so it prints the same from any browser and can be published as is. The JSON
keeps every schema field; an unknown value is `null`, never a guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from typing import Any, Callable

from kiosk.guides import labels_zh as zh
from kiosk.guides.catalogue import Catalogue, checklist_items
from kiosk.guides.schema import MATTER_TYPES, Guide

JSON_FORMAT = "qinxin-kiosk/guides/v1"


def guide_url(public_url: str, guide_id: str) -> str:
    """Address of a guide's online page, used in QR codes ('' when the hall has none)."""
    return f"{public_url.rstrip('/')}/guides/{guide_id}" if public_url else ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def guide_to_json(guide: Guide) -> dict:
    """Every field of the guide; null means unknown."""
    return _jsonable(dataclasses.asdict(guide))


def catalogue_to_json(catalogue: Catalogue, hall_name: str, *, generated: dt.datetime) -> dict:
    return {
        "format": JSON_FORMAT,
        "hall": hall_name,
        "generated_at": generated.isoformat(timespec="seconds"),
        "matter_types": list(MATTER_TYPES),
        "count": len(catalogue),
        "samples": sum(1 for g in catalogue if g.is_sample),
        "matters": [guide_to_json(g) for g in catalogue],
    }


# --- HTML -----------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       font-size: 12.5pt; line-height: 1.45; color: #000; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 24pt; text-align: center; margin: 0 0 2mm; }
.subtitle { text-align: center; font-size: 13pt; margin: 0 0 1mm; }
.meta { text-align: center; font-size: 10.5pt; color: #333; margin-bottom: 4mm; }
h2 { font-size: 16pt; border-left: 6px solid #b00; padding-left: 3mm; margin: 6mm 0 2mm;
     break-after: avoid; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 11.5pt; }
col.num { width: 9mm; } col.name { width: 42mm; } col.type { width: 25mm; } col.limit { width: 27mm; }
col.fee { width: 25mm; } col.dropoff { width: 15mm; }
th, td { border: 1px solid #444; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; }
tr { break-inside: avoid; }
td.num { text-align: center; }
td.name { font-weight: bold; }
td, th { overflow-wrap: anywhere; }
.tag { display: inline-block; border: 1px solid #b00; color: #b00; font-size: 9pt; padding: 0 1mm;
       margin-left: 1mm; font-weight: normal; }
.unknown { color: #555; }
.note { font-size: 11pt; border: 1px solid #b00; padding: 1.5mm 2mm; margin: 0 0 3mm; }
ol.materials { margin: 0; padding-left: 5mm; }
section.guide { break-before: page; }
section.guide h2 { margin-top: 0; }
.guide-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 4mm; }
.qr svg { width: 28mm; height: 28mm; }
.banner { border: 2px solid #b00; color: #b00; padding: 2mm; margin: 2mm 0; font-weight: bold; }
dl { display: grid; grid-template-columns: 42mm 1fr; margin: 0; border-top: 1px solid #999; }
dt, dd { margin: 0; padding: 1.2mm 1.5mm; border-bottom: 1px solid #999; }
dt { font-weight: bold; background: #f3f3f3; }
dd { white-space: pre-line; overflow-wrap: anywhere; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _cell(text: str) -> str:
    css = ' class="unknown"' if text == zh.UNKNOWN else ""
    return f"<span{css}>{_e(text)}</span>"


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return image.to_string(encoding="unicode")


def _list_rows(guides: tuple[Guide, ...], start: int, dropoff_available: bool) -> list[str]:
    rows = []
    for n, guide in enumerate(guides, start=start):
        tag = f'<span class="tag">{_e(zh.SAMPLE_TAG)}</span>' if guide.is_sample else ""
        if guide.materials:
            materials = "<ol class=\"materials\">" + "".join(
                f"<li>{_e(name)}</li>" for name, *_ in checklist_items(guide)) + "</ol>"
        else:
            materials = _cell(zh.UNKNOWN)
        dropoff = (f"<td>{zh.YES if guide.after_hours_dropoff_allowed else zh.NO}</td>"
                   if dropoff_available else "")
        rows.append(
            f'<tr><td class="num">{n}</td><td class="name">{_e(guide.name)}{tag}</td>'
            f"<td>{_cell(guide.matter_type or zh.UNKNOWN)}</td><td>{materials}</td>"
            f"<td>{_cell(guide.time_limit_text())}</td><td>{_cell(guide.fee_text())}</td>{dropoff}</tr>")
    return rows


def _detail_section(guide: Guide, guide_link: Callable[[str], str], dropoff_available: bool) -> str:
    url = guide_link(guide.id)
    qr = f'<div class="qr">{_qr_svg(url)}</div>' if url else ""
    banner = f'<p class="banner">{_e(zh.SAMPLE_BANNER)}</p>' if guide.is_sample else ""
    fields = "".join(f"<dt>{_e(label)}</dt><dd>{_cell(text)}</dd>" for label, text in guide.display_fields(dropoff_available))
    return (f'<section class="guide" id="{_e(guide.id)}"><div class="guide-head"><div><h2>{_e(guide.name)}</h2>'
            f"{banner}</div>{qr}</div><dl>{fields}</dl></section>")


def catalogue_to_html(catalogue: Catalogue, hall_name: str, *, printed: dt.date,
                      guide_link: Callable[[str], str] = lambda _guide_id: "", dropoff_available: bool = False,
                      with_details: bool = True) -> str:
    """The printable catalogue: the list by department, then one page per guide.

    Paper on the notice board promises only what works: a guide's QR code only when
    `guide_link` gives an address something serves (PublicLinks.guide), the
    after-hours drop-off column only while the hall offers it."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(zh.CATALOGUE_TITLE.format(hall=hall_name))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(zh.CATALOGUE_TITLE.format(hall=hall_name))}</h1>",
        f'<p class="subtitle">{_e(zh.CATALOGUE_SUBTITLE)}</p>',
        f'<p class="meta">{_e(zh.CATALOGUE_COUNT.format(count=len(catalogue)))}　'
        f"{_e(zh.CATALOGUE_PRINTED.format(date=printed.isoformat()))}</p>",
    ]
    if any(g.is_sample for g in catalogue):
        parts.append(f'<p class="note">{_e(zh.CATALOGUE_SAMPLE_NOTE)}</p>')
    columns = zh.CATALOGUE_COLUMNS if dropoff_available else zh.CATALOGUE_COLUMNS[:-1]
    classes = ("num", "name", "type", "materials", "limit", "fee", "dropoff")[:len(columns)]
    cols = "".join(f'<col class="{c}">' for c in classes)
    head = f"<colgroup>{cols}</colgroup><thead><tr>" + "".join(f"<th>{_e(c)}</th>" for c in columns) \
        + "</tr></thead>"
    number = 1
    for department, guides in catalogue.by_department().items():
        parts.append(f"<h2>{_e(department)}（{len(guides)}项）</h2>")
        parts.append(f"<table>{head}<tbody>")
        parts += _list_rows(guides, number, dropoff_available)
        parts.append("</tbody></table>")
        number += len(guides)
    if with_details:
        parts += [_detail_section(g, guide_link, dropoff_available) for g in catalogue]
    parts.append("</body></html>")
    return "\n".join(parts)

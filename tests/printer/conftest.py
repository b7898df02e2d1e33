"""Printer test fixtures: a running simulator, sample jobs, and an ESC/POS decoder.

The decoder here is written for the tests, from the Epson command tables, and shares
no code with `devices.printer` (neither the writer nor the simulator's parser), so a
mistake in the production byte handling cannot hide itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

HALL_TZ_OFFSET = dt.timezone(dt.timedelta(hours=8))
ISSUED_AT = dt.datetime(2026, 11, 27, 9, 5, tzinfo=HALL_TZ_OFFSET)


@dataclass
class Op:
    kind: str
    value: object = None


def _decode_escpos(data: bytes) -> list[Op]:
    """Decode a job into operations. Text runs are decoded GB18030 while in Chinese
    mode (after FS &) and as ASCII otherwise; an unknown command raises, so a test
    fails loudly on bytes nobody meant to send."""
    ops: list[Op] = []
    i = 0
    chinese = False
    text = bytearray()

    def flush_text() -> None:
        if text:
            ops.append(Op("text", bytes(text).decode("gb18030") if chinese else bytes(text).decode("ascii")))
            text.clear()

    while i < len(data):
        b = data[i]
        rest = data[i:]
        if rest.startswith(b"\x1b@"):
            flush_text(); ops.append(Op("init")); chinese = False; i += 2
        elif rest.startswith(b"\x1c&"):
            flush_text(); ops.append(Op("chinese_on")); chinese = True; i += 2
        elif rest.startswith(b"\x1c."):
            flush_text(); ops.append(Op("chinese_off")); chinese = False; i += 2
        elif rest.startswith(b"\x1ba"):
            flush_text(); ops.append(Op("align", rest[2])); i += 3
        elif rest.startswith(b"\x1bE"):
            flush_text(); ops.append(Op("bold", rest[2])); i += 3
        elif rest.startswith(b"\x1b!"):
            flush_text(); ops.append(Op("esc_bang", rest[2])); i += 3
        elif rest.startswith(b"\x1bd"):
            flush_text(); ops.append(Op("feed", rest[2])); i += 3
        elif rest.startswith(b"\x1bt"):
            flush_text(); ops.append(Op("codepage", rest[2])); i += 3
        elif rest.startswith(b"\x1d!"):
            flush_text(); n = rest[2]; ops.append(Op("size", ((n >> 4) + 1, (n & 15) + 1))); i += 3
        elif rest.startswith(b"\x1d(k"):
            flush_text()
            length = rest[3] | rest[4] << 8
            body = rest[5:5 + length]
            assert body[0] == 0x31, "GS ( k for a symbol other than QR"
            fn = body[1]
            if fn == 0x50:
                ops.append(Op("qr_store", body[3:].decode("utf-8")))
            elif fn == 0x51:
                ops.append(Op("qr_print"))
            elif fn == 0x43:
                ops.append(Op("qr_module", body[2]))
            elif fn == 0x45:
                ops.append(Op("qr_ec", body[2]))
            elif fn == 0x41:
                ops.append(Op("qr_model", body[2]))
            i += 5 + length
        elif rest.startswith(b"\x1dv0"):
            flush_text()
            width_bytes = rest[4] | rest[5] << 8
            height = rest[6] | rest[7] << 8
            ops.append(Op("raster", (width_bytes, height, rest[8:8 + width_bytes * height])))
            i += 8 + width_bytes * height
        elif rest.startswith(b"\x1dVB") or rest.startswith(b"\x1dVA"):
            flush_text(); ops.append(Op("cut", (rest[2], rest[3]))); i += 4
        elif rest.startswith(b"\x1dV"):
            flush_text(); ops.append(Op("cut", (rest[2], None))); i += 3
        elif rest.startswith(b"\x10\x04"):
            flush_text(); ops.append(Op("status_query", rest[2])); i += 3
        elif b == 0x0A:
            flush_text(); ops.append(Op("lf")); i += 1
        elif b < 0x20:
            raise AssertionError(f"unexpected control byte {b:02x} at {i}: {data[i:i + 8].hex()}")
        else:
            text.append(b)
            i += 1
    flush_text()
    return ops


@pytest.fixture
def decode_escpos():
    return _decode_escpos


@pytest.fixture
def printed_lines():
    """The text lines of a decoded job, in order (text runs joined up to each LF)."""

    def lines(ops: list[Op]) -> list[str]:
        out, current = [], ""
        for op in ops:
            if op.kind == "text":
                current += op.value
            elif op.kind == "lf":
                if current:
                    out.append(current)
                current = ""
        if current:
            out.append(current)
        return out

    return lines


@pytest.fixture
def simulator():
    from devices.printer.simulator import PrinterSimulator

    sim = PrinterSimulator(port=0, width_dots=576)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def printer_settings(simulator):
    """Settings for the network driver pointing at the running simulator."""
    from devices.printer.settings import PrinterSettings

    return PrinterSettings(driver="network", host="127.0.0.1", port=simulator.port, paper_width_mm=80,
                           timeout_seconds=3.0, status_timeout_seconds=1.0)


@pytest.fixture
def ticket():
    from devices.printer.layouts import QueueTicket

    return QueueTicket(
        hall_name="嘉峰镇便民服务中心", queue_name="综合受理", code="A012", people_ahead=3,
        wait_minutes_low=10, wait_minutes_high=25, issued_at=ISSUED_AT,
        qr_url="http://127.0.0.1:8080/t/7f3a9c", masked_name="张*", window_hint="1号、2号窗口",
        ticket_id="20261127-A012",
    )


@pytest.fixture
def receipt():
    from devices.printer.layouts import DropoffReceipt

    return DropoffReceipt(hall_name="嘉峰镇便民服务中心", submission_code="K7MW9CE3", matter_name="城乡居民基本养老保险参保登记",
                          page_count=4, submitted_at=ISSUED_AT, qr_url="http://127.0.0.1:8080/d/K7MW9CE3",
                          masked_name="李**", pages_per_material=(("居民身份证", 2), ("户口簿", 2)),
                          review_day_text="11月30日（星期一）", time_limit_text="受理后5个工作日内")


@pytest.fixture
def checklist():
    from devices.printer.layouts import MaterialsChecklist

    return MaterialsChecklist(
        hall_name="嘉峰镇便民服务中心", matter_name="低保申请（最低生活保障）",
        items=(("居民身份证", "原件", "1份", "必须"), ("户口簿", "原件及复印件", "各1份", "必须"),
               ("家庭收入情况说明（村委会盖章）", "原件", "1份", "必须"), ("残疾人证", "复印件", "1份", "按情况")),
        notes=("由户主或家庭成员本人提出申请", "材料不全的，工作人员会一次性告知需要补正的内容"),
        qr_url="http://127.0.0.1:8080/g/dibao",
    )

"""GIVEN a ticket, WHEN python-escpos' real printer classes send it, THEN the bytes
(decoded by the tests' own decoder) read back as the intended Chinese job."""

from __future__ import annotations

from dataclasses import replace

from devices.printer.escpos_writer import WriteOptions, write_document
from devices.printer.layouts import queue_ticket
from devices.printer.service import TicketPrinterService


def _assert_is_the_ticket(ops, lines, ticket):
    kinds = [op.kind for op in ops]
    assert kinds[:2] == ["init", "chinese_on"], "every job starts with ESC @ FS &"
    assert ops[-1].kind == "cut" and ops[-1].value == (66, 0), "ends with feed-to-cutter + partial cut (GS V 66 0)"
    assert "esc_bang" not in kinds and "codepage" not in kinds, "no ESC ! sizes, no code-page switching"
    assert "嘉峰镇便民服务中心" in "".join(lines[:2])
    assert "综合受理" in lines
    assert "A012" in lines
    assert "您前面还有3人在等候" in lines
    assert "预计等候10～25分钟" in lines
    assert "取号时间：2026年11月27日 09:05" in lines
    assert "请留意叫号，过号请重新取号" in lines
    # The big number is printed enlarged with GS !, the body text back at 1x.
    number_at = next(i for i, op in enumerate(ops) if op.kind == "text" and op.value == "A012")
    sizes_before = [op.value for op in ops[:number_at] if op.kind == "size"]
    assert sizes_before[-1][0] >= 4 and sizes_before[-1][0] == sizes_before[-1][1]
    assert [op.value for op in ops if op.kind == "size"][-1] == (1, 1)
    # Native QR with the ticket's URL, centred (ESC a 1 before it).
    assert [op.value for op in ops if op.kind == "qr_store"] == [ticket.qr_url]
    qr_at = kinds.index("qr_store")
    assert kinds[qr_at + 1] == "qr_print"
    assert [op.value for op in ops[:qr_at] if op.kind == "align"][-1] == 1


def test_network_class_to_simulator_sends_a_chinese_text_ticket(simulator, printer_settings, ticket, decode_escpos,
                                                                printed_lines):
    # GIVEN the kiosk printing to the simulator over TCP (escpos.printer.Network)
    service = TicketPrinterService(printer_settings)
    # WHEN a ticket is printed
    outcome = service.print_now(ticket)
    service.close()
    # THEN it printed, and the one job the printer received decodes to the ticket
    assert outcome.printed, outcome.message_en
    assert simulator.wait_for_jobs(1)
    assert len(simulator.jobs) == 1
    job = simulator.jobs[0]
    assert outcome.job_bytes == len(job), "the outcome reports the size of the job itself"
    assert simulator.status_queries == 8, "DLE EOT 1..4 before and after the job"
    assert len(job) <= 1024, f"text-mode ticket is {len(job)} bytes (target ≤ 1 KB)"
    ops = decode_escpos(job)
    _assert_is_the_ticket(ops, printed_lines(ops), ticket)
    assert "张*" not in "".join(printed_lines(ops)), "the name is printed only when configured"


def test_file_class_writes_the_same_ticket_to_a_device_file(tmp_path, ticket, decode_escpos, printed_lines):
    from escpos.printer import File

    # GIVEN a file printer such as /dev/usb/lp0 (here a plain file)
    device_file = tmp_path / "lp0"
    printer = File(str(device_file), profile="POS-5890")
    document = queue_ticket(ticket, 384)
    # WHEN the job is written through escpos.printer.File
    write_document(printer, document)
    printer.close()
    # THEN the file holds a complete Chinese text ticket laid out for 58 mm
    ops = decode_escpos(device_file.read_bytes())
    lines = printed_lines(ops)
    _assert_is_the_ticket(ops, lines, ticket)
    hall_lines = lines[:2]
    assert "".join(hall_lines) == "嘉峰镇便民服务中心", "a 2x hall name is wrapped by the kiosk on 58 mm"
    assert all(len(line) * 2 * 2 * 12 <= 384 for line in hall_lines)


def test_punctuation_only_and_rare_characters_are_sent_safely(tmp_path, ticket, decode_escpos, printed_lines):
    from escpos.printer import File

    # GIVEN lines that python-escpos' text() would mangle: punctuation only, a
    # four-byte GB18030 character, and a control byte smuggled into a name
    odd = replace(ticket, queue_name="：（）——", window_hint="𠮷\x1d\x56\x00窗口")
    printer = File(str(tmp_path / "lp0"), profile="TM-T20II")
    write_document(printer, queue_ticket(odd, 576))
    printer.close()
    data = (tmp_path / "lp0").read_bytes()
    lines = printed_lines(decode_escpos(data))
    # THEN punctuation arrives as GB18030 (not "???"), the rare character is a visible
    # missing mark, and the control bytes became spaces (no stray cut in mid-ticket)
    assert "：（）——" in lines
    assert "办理窗口：〓 V 窗口" in lines
    assert data.count(b"\x1dV") == 1


def test_four_byte_characters_pass_when_the_printer_has_full_gb18030(tmp_path, ticket, decode_escpos, printed_lines):
    from escpos.printer import File

    printer = File(str(tmp_path / "lp0"), profile="TM-T20II")
    write_document(printer, queue_ticket(replace(ticket, window_hint="𠮷"), 576), WriteOptions(four_byte=True))
    printer.close()
    assert "办理窗口：𠮷" in printed_lines(decode_escpos((tmp_path / "lp0").read_bytes()))


def test_image_mode_sends_one_raster_as_wide_as_the_paper(simulator, printer_settings, ticket, decode_escpos):
    # GIVEN a printer without a Chinese font, configured for image mode (80 mm)
    service = TicketPrinterService(replace(printer_settings, render_mode="image"))
    outcome = service.print_now(ticket)
    service.close()
    assert outcome.printed
    assert simulator.wait_for_jobs(1)
    ops = decode_escpos(simulator.jobs[0])
    rasters = [op.value for op in ops if op.kind == "raster"]
    # THEN the job is ESC @, raster image(s) 72 bytes (576 dots) wide, and the cut; no text
    assert ops[0].kind == "init" and ops[-1].kind == "cut"
    assert rasters and all(width_bytes == 72 for width_bytes, _, _ in rasters)
    assert not [op for op in ops if op.kind == "text"]
    assert sum(any(row) for _, _, row in rasters), "the raster is not blank"
    assert len(simulator.jobs[0]) > 10 * 1024


def test_image_qr_fallback_sends_the_code_as_a_raster(tmp_path, ticket, decode_escpos, printed_lines):
    from escpos.printer import File

    printer = File(str(tmp_path / "lp0"), profile="POS-5890")
    write_document(printer, queue_ticket(ticket, 384), WriteOptions(qr_mode="image"))
    printer.close()
    ops = decode_escpos((tmp_path / "lp0").read_bytes())
    assert not [op for op in ops if op.kind.startswith("qr_")]
    rasters = [op.value for op in ops if op.kind == "raster"]
    assert len(rasters) == 1 and rasters[0][0] * 8 <= 384
    raster_at = next(i for i, op in enumerate(ops) if op.kind == "raster")
    assert [op.value for op in ops[:raster_at] if op.kind == "align"][-1] == 1, "QR picture centred"
    assert "A012" in printed_lines(ops), "the rest stays text"


def test_image_mode_on_a_tm_t88_uses_its_512_dot_width(tmp_path, ticket, decode_escpos):
    from devices.printer.settings import PrinterSettings

    # GIVEN an international TM-T88V (no Chinese font, 512 dots) on a file link
    device = tmp_path / "lp0"
    settings = PrinterSettings(driver="file", file_path=str(device), profile="TM-T88V", render_mode="image")
    outcome = TicketPrinterService(settings).print_now(ticket)
    # THEN python-escpos accepts the picture (a 576-dot one would raise ImageWidthError)
    assert outcome.printed, outcome.message_en
    rasters = [op.value for op in decode_escpos(device.read_bytes()) if op.kind == "raster"]
    assert rasters and {width_bytes for width_bytes, _, _ in rasters} == {64}


def test_native_qr_and_cut_bytes_are_the_ones_in_the_escpos_notes(tmp_path, ticket):
    from escpos.printer import File

    # GIVEN a ticket written through python-escpos to a device file (80 mm, QR module 6)
    device = tmp_path / "lp0"
    printer = File(str(device), profile="TM-T20II")
    write_document(printer, queue_ticket(ticket, 576))
    printer.close()
    data = device.read_bytes()
    url = ticket.qr_url.encode("ascii")
    # THEN the GS ( k sequence is byte for byte the notes' §4 table: model 2, module 6,
    # level M (49), store with pL pH = len + 3, print; centred by ESC a 1 before it
    qr = (bytes.fromhex("1B 61 01")
          + bytes.fromhex("1D 28 6B 04 00 31 41 32 00")
          + bytes.fromhex("1D 28 6B 03 00 31 43 06")
          + bytes.fromhex("1D 28 6B 03 00 31 45 31")
          + bytes.fromhex("1D 28 6B") + bytes([len(url) + 3, 0]) + bytes.fromhex("31 50 30") + url
          + bytes.fromhex("1D 28 6B 03 00 31 51 30"))
    assert data.count(qr) == 1
    # AND the job starts ESC @ FS & and ends FS . then GS V 66 0 (feed to cutter, partial cut)
    assert data.startswith(bytes.fromhex("1B 40 1C 26"))
    assert data.endswith(bytes.fromhex("1C 2E 1D 56 42 00"))

"""Layout rules a reader notices, the font lookup and the printer config section."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from devices.printer.document import NO_LINE_START, TextLine, text_cells, wrap_cells
from devices.printer.layouts import QueueTicket, layout, queue_ticket, wait_text
from devices.printer.service import TicketPrinterService

CJK_AND_ASCII = st.text(alphabet=st.sampled_from(list("嘉峰镇便民服务中心，。（）、：A012 abc-/") + ["—"]),
                        min_size=0, max_size=60)


@hsettings(max_examples=150, deadline=None)
@given(CJK_AND_ASCII, st.sampled_from([8, 16, 24, 32, 48]))
def test_wrapped_lines_fit_the_paper_and_keep_every_character(text, max_cells):
    lines = wrap_cells(text, max_cells)
    assert all(text_cells(line) <= max_cells for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for before, line in zip(lines, lines[1:]):
        # Closing punctuation starts a line only when nothing else could be carried.
        assert line[0] not in NO_LINE_START or len(before) <= 1 or before[-1] in NO_LINE_START


def test_closing_punctuation_after_a_space_at_the_line_end_does_not_start_the_next_line():
    # Found by the property test above: the space overflowed the line and the dash
    # after it opened the next one.
    lines = wrap_cells("0000—中 —", 8)
    assert lines[1][0] not in NO_LINE_START, lines
    assert "".join(lines).replace(" ", "") == "0000—中—"


@pytest.mark.parametrize("qr_mode", ["image", "native"])
def test_the_largest_configurable_qr_module_still_fits_58_mm(tmp_path, ticket, qr_mode):
    from devices.printer.settings import PrinterSettings

    # GIVEN qr_module_size = 16 (the settings allow 1-16) on 58 mm paper
    device = tmp_path / "lp0"
    settings = PrinterSettings(driver="file", file_path=str(device), paper_width_mm=58, qr_mode=qr_mode,
                               qr_module_size=16)
    # WHEN a ticket is printed
    outcome = TicketPrinterService(settings).print_now(ticket)
    # THEN the QR is made smaller to fit the 384 dots instead of the job failing half way
    assert outcome.printed and not outcome.maybe_incomplete, outcome.message_en
    [qr] = [b for b in queue_ticket(ticket, 384, qr_module_size=16).blocks if type(b).__name__ == "QrBlock"]
    assert 1 <= qr.module_size < 16


@pytest.mark.parametrize("dots", [384, 512, 576])
def test_every_ticket_line_fits_its_paper_at_its_size(ticket, dots):
    long_hall = replace(ticket, hall_name="沁水县嘉峰镇人民政府便民服务中心（党群服务中心）",
                        window_hint="综合受理窗口1号、2号、3号（老年人优先窗口在大厅东侧）")
    document = queue_ticket(long_hall, dots)
    for block in document.blocks:
        if isinstance(block, TextLine):
            assert text_cells(block.text) * 12 * block.scale <= dots, block


def test_the_masked_name_is_printed_only_when_configured(ticket):
    assert "张*" not in queue_ticket(ticket, 576).text()
    assert "取号人：张*" in queue_ticket(ticket, 576, show_masked_name=True).text()


def test_a_clear_name_is_refused_by_the_ticket():
    with pytest.raises(ValueError):
        QueueTicket("嘉峰镇便民服务中心", "综合受理", "A001", 0, None, None,
                    issued_at=__import__("datetime").datetime(2026, 11, 27, 9), qr_url="", masked_name="张三")


def test_nobody_ahead_and_unknown_waits_read_naturally(ticket):
    text = queue_ticket(replace(ticket, people_ahead=0, wait_minutes_low=None), 384).text()
    assert "您前面没有人等候" in text and "等候时间暂时无法估计" in text
    assert wait_text(15, None) == "预计至少等候15分钟"
    assert wait_text(5, 5) == "预计等候约5分钟"


def test_the_ticket_is_issued_in_hall_time(ticket):
    import datetime as dt

    utc_issue = replace(ticket, issued_at=dt.datetime(2026, 11, 27, 1, 5, tzinfo=dt.timezone.utc))
    assert "取号时间：2026年11月27日 09:05" in queue_ticket(utc_issue, 576).text()


def test_an_unknown_job_gives_a_chinese_outcome_not_a_crash(simulator, printer_settings):
    service = TicketPrinterService(printer_settings)
    outcome = service.print_now({"not": "a layout"})
    service.close()
    assert not outcome.printed and "无法打印" in outcome.message_zh
    assert simulator.jobs == []


def test_missing_cjk_font_names_the_places_looked_at():
    from devices.printer.errors import FontNotFound
    from devices.printer.raster import find_cjk_font

    with pytest.raises(FontNotFound) as caught:
        find_cjk_font(("/nonexistent/a.ttc", "/nonexistent/b.otf"))
    assert "/nonexistent/a.ttc" in caught.value.message_en and "fonts-wqy-microhei" in caught.value.message_en
    assert "中文字体" in caught.value.message_zh
    assert find_cjk_font().is_file()


def test_image_mode_without_a_font_is_a_clear_printer_error(simulator, printer_settings, ticket, monkeypatch):
    import devices.printer.raster as raster

    monkeypatch.setattr(raster, "FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    monkeypatch.delenv("KIOSK_CJK_FONT", raising=False)
    service = TicketPrinterService(replace(printer_settings, render_mode="image"))
    outcome = service.print_now(ticket)
    service.close()
    assert not outcome.printed and "中文字体" in outcome.message_zh
    assert simulator.jobs == [] or all(b"\x1dv0" not in job for job in simulator.jobs)


@pytest.mark.parametrize("section,key,fix_words", [
    ({"driver": "usb", "usb_vendor_id": "0416"}, "usb_vendor_id", "lsusb"),
    ({"driver": "usb", "usb_vendor_id": "xyz", "usb_product_id": "5011"}, "usb_vendor_id", "hex"),
    ({"baudrate": 9601}, "baudrate", "9600"),
    ({"status_timeout_seconds": 30}, "status_timeout_seconds", "1"),
    ({"paper_width_mm": 76}, "paper_width_mm", "58"),
    ({"papper_width_mm": 58}, "papper_width_mm", "paper_width_mm"),
])
def test_a_broken_printer_section_names_the_key_and_the_fix(section, key, fix_words):
    from devices.printer.settings import PrinterSettings
    from devices.base.errors import ConfigError
    from devices.base.settings_schema import build

    with pytest.raises(ConfigError) as caught:
        build(PrinterSettings, section, "hall.toml", "devices.printer")
    assert caught.value.key == f"devices.printer.{key}"
    assert fix_words in caught.value.fix + caught.value.problem


def test_profile_and_width_follow_the_paper(settings):
    from devices.printer.connection import width_dots
    from devices.printer.settings import PrinterSettings

    assert width_dots(settings.devices.printer) == 576
    assert width_dots(PrinterSettings(paper_width_mm=58)) == 384
    assert width_dots(PrinterSettings(profile="TM-T88V")) == 512
    assert layout(_ticket_for_profile(), 512).width_dots == 512


def _ticket_for_profile():
    import datetime as dt

    return QueueTicket("嘉峰镇便民服务中心", "综合出件", "B007", 1, 2, 4, dt.datetime(2026, 11, 27, 10), "")


def test_a_file_printer_prints_blind_and_the_screen_still_shows_the_number(tmp_path, ticket, decode_escpos):
    from devices.printer.settings import PrinterSettings
    from devices.printer.status import PrinterState

    device = tmp_path / "lp0"
    service = TicketPrinterService(PrinterSettings(driver="file", file_path=str(device), paper_width_mm=58))
    outcome = service.print_now(ticket)
    service.close()
    assert outcome.printed and outcome.state is PrinterState.NOT_READABLE and outcome.show_on_screen
    assert "如果没有出票" in outcome.message_zh
    assert decode_escpos(device.read_bytes())[-1].kind == "cut"


def test_a_usb_printer_without_its_driver_library_says_so(ticket):
    import importlib.util

    from devices.printer.settings import PrinterSettings

    settings = PrinterSettings(driver="usb", usb_vendor_id="0416", usb_product_id="5011", usb_in_ep=0x81,
                               usb_out_ep=0x02)
    service = TicketPrinterService(settings)
    outcome = service.print_now(ticket)
    service.close()
    assert not outcome.printed and outcome.show_on_screen
    if importlib.util.find_spec("usb") is None:
        assert "驱动程序没有安装" in outcome.message_zh and "pyusb" in outcome.message_en
    else:  # pyusb present but no such printer on this machine
        assert "连不上" in outcome.message_zh


def test_the_app_can_start_a_simulated_printer_from_settings(settings, ticket):
    from devices.printer.simulator import start_simulated_printer

    printer_settings = settings.devices.printer
    assert printer_settings.driver == "simulator"
    handle, port = start_simulated_printer(printer_settings)
    try:
        # a second one cannot take the same port and falls back to a free one
        other, other_port = start_simulated_printer(replace(printer_settings, port=port))
        other.stop()
        assert other_port != port
        service = TicketPrinterService(printer_settings, port=port)
        assert service.print_now(ticket).printed
        service.close()
        assert handle.wait_for_jobs(1)
    finally:
        handle.stop()

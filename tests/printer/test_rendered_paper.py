"""What comes out of the (simulated) printer: a PNG of every layout at 58 and 80 mm,
left in test-artifacts/printer/ for a person to look at."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devices.printer.service import TicketPrinterService
from devices.printer.simulator import PrinterSimulator
from devices.printer.sim_render import MARGIN, render_job

DOTS = {58: 384, 80: 576}


def _decode_qr_codes(image):
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("layout_name", ["ticket", "reprint", "receipt", "checklist", "ticket_image_mode"])
def test_each_layout_prints_legibly_on_both_paper_widths(layout_name, width_mm, ticket, receipt, checklist,
                                                         artifacts):
    from devices.printer.settings import PrinterSettings

    job = {"ticket": ticket, "reprint": replace(ticket, reprint=True), "receipt": receipt,
           "checklist": checklist, "ticket_image_mode": ticket}[layout_name]
    # GIVEN a simulated printer of that width and the kiosk configured for it
    with PrinterSimulator(port=0, width_dots=DOTS[width_mm]) as simulator:
        settings = PrinterSettings(driver="network", port=simulator.port, paper_width_mm=width_mm,
                                   render_mode="image" if layout_name.endswith("image_mode") else "text",
                                   status_timeout_seconds=1.0, timeout_seconds=3.0)
        service = TicketPrinterService(settings)
        # WHEN the job is printed
        outcome = service.print_now(job)
        service.close()
        assert outcome.printed, outcome.message_en
        assert simulator.wait_for_jobs(1)
        path = artifacts("printer") / f"{layout_name}-{width_mm}mm.png"
        simulator.render_png(0, path)
        image, missing = render_job(simulator.jobs[0], DOTS[width_mm])
    # THEN the paper is as wide as the roll, every character had a glyph (no tofu),
    # and the QR code on paper scans to the job's URL
    assert image.width == DOTS[width_mm] + 2 * MARGIN
    assert not missing, f"no glyph for {sorted(missing)}"
    assert _decode_qr_codes(image) == [job.qr_url]
    assert path.stat().st_size > 5000


def test_a_job_without_chinese_mode_shows_up_garbled_on_a_strict_printer(ticket):
    # The simulator is strict on purpose: GB18030 bytes sent without FS & print as
    # single-byte characters, which is what a printer left in ANK mode does.
    from devices.printer.escpos_writer import encode_text

    data = b"\x1b@" + encode_text("嘉峰镇便民服务中心") + b"\n\x1dVB\x00"
    _, missing = render_job(data, 576)
    good, none_missing = render_job(b"\x1b@\x1c&" + encode_text("嘉峰镇便民服务中心") + b"\n\x1dVB\x00", 576)
    assert not none_missing
    assert missing or _ink(render_job(data, 576)[0]) != _ink(good)


def _ink(image) -> int:
    return sum(1 for value in image.getdata() if value < 128)


def test_sizes_make_the_number_big(ticket):
    """The 4x number takes four times the height of a 1x line on paper."""
    from devices.printer.escpos_writer import size_command, encode_text

    small, _ = render_job(b"\x1b@\x1c&" + encode_text("A012") + b"\n", 576)
    big, _ = render_job(b"\x1b@\x1c&" + size_command(4) + encode_text("A012") + b"\n", 576)
    small_box, big_box = small.point(lambda v: 255 if v < 128 else 0).getbbox(), big.point(
        lambda v: 255 if v < 128 else 0).getbbox()
    small_height, big_height = small_box[3] - small_box[1], big_box[3] - big_box[1]
    assert 3.2 * small_height <= big_height <= 4.8 * small_height

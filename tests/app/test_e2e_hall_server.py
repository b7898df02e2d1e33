"""End to end: `kiosk run` is a whole hall. The installed program serves the hall server
in its own process (API, wall display, the phone pages behind the QR codes), a ticket
taken on its touch screen prints with a QR code that opens that ticket's page on the
same process; and when the port is taken the kiosk still serves citizens, prints no
QR code that leads nowhere, and tells staff why.

The printer is a simulator in the test's process (the kiosk's network driver prints
to it over TCP), so the test reads the very bytes printed and decodes the QR code
from the rendered paper."""

from __future__ import annotations

import socket
import sqlite3

import httpx
import pytest
from kiosk_process import KioskProcess, free_port, hall_file
from waiting import wait_until

from devices.printer.sim_render import render_job
from devices.printer.simulator import PrinterSimulator

pytestmark = [pytest.mark.ui, pytest.mark.slow]

PAPER_DOTS = 576  # the packaged hall's 80 mm paper


def _qr_codes_on(job: bytes) -> list[str]:
    import zxingcpp

    paper, _missing_glyphs = render_job(job, PAPER_DOTS)
    return [found.text for found in zxingcpp.read_barcodes(paper.convert("L"))]


def _open_alerts(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT source, code, message_zh FROM alerts WHERE resolved_at IS NULL").fetchall()


def test_kiosk_run_serves_the_hall_and_its_ticket_qr_opens_the_ticket_page_on_the_same_process(tmp_path):
    port = free_port()
    with PrinterSimulator(port=0, width_dots=PAPER_DOTS) as printer:
        # GIVEN the installed kiosk started with its hall server on a port of its own
        kiosk = KioskProcess(tmp_path, hall_file(tmp_path / "hall.toml", server_port=port, printer_port=printer.port))
        try:
            kiosk.wait_ready()
            base = f"http://127.0.0.1:{port}"
            # THEN the hall server answers from that process: the API and the wall display
            wait_until(lambda: "hall server in this process" in kiosk.log(), 20, 0.1, "the hall server")
            schema = httpx.get(f"{base}/openapi.json", timeout=10)
            assert schema.status_code == 200 and "/api/kiosk/tickets" in schema.json()["paths"]
            display = httpx.get(f"{base}/display", timeout=10)
            assert display.status_code == 200 and "嘉峰镇" in display.text

            # WHEN a citizen takes a number on the touch screen
            kiosk.take_number_without_card()
            assert printer.wait_for_jobs(1, timeout=20), f"nothing printed; log:\n{kiosk.log()[-3000:]}"

            # THEN the printed ticket carries a QR code that opens that ticket's page on this process
            codes = _qr_codes_on(printer.jobs[0])
            assert len(codes) == 1 and codes[0].startswith(f"{base}/t/"), codes
            page = httpx.get(codes[0], timeout=10)
            assert page.status_code == 200
            assert "A001" in page.text
            progress = httpx.get(f"{base}/api/tickets/{codes[0].rsplit('/', 1)[1]}", timeout=10).json()
            assert progress["code"] == "A001"
            # and the wall display's data counts the new ticket as waiting
            board = httpx.get(f"{base}/api/board", timeout=10).json()
            assert any(queue["waiting"] == 1 for queue in board["queues"]), board
            assert kiosk.stop() == 0
            assert "Traceback" not in kiosk.log()
        finally:
            kiosk.kill()


def test_a_port_already_in_use_leaves_the_kiosk_working_without_qr_codes_and_raises_an_alert(tmp_path):
    with socket.socket() as squatter, PrinterSimulator(port=0, width_dots=PAPER_DOTS) as printer:
        # GIVEN another program already listening on the hall server's port
        squatter.bind(("127.0.0.1", 0))
        squatter.listen(1)
        port = squatter.getsockname()[1]
        kiosk = KioskProcess(tmp_path, hall_file(tmp_path / "hall.toml", server_port=port, printer_port=printer.port))
        try:
            # WHEN the kiosk starts
            kiosk.wait_ready()
            wait_until(lambda: "no hall server in this kiosk" in kiosk.log(), 20, 0.1, "the server's failure logged")
            assert "Address already in use" in kiosk.log()
            # THEN citizens still get numbers, on paper without a QR code
            kiosk.take_number_without_card()
            assert printer.wait_for_jobs(1, timeout=20), f"nothing printed; log:\n{kiosk.log()[-3000:]}"
            assert _qr_codes_on(printer.jobs[0]) == []
            assert kiosk.process.poll() is None
            # AND staff see an alert saying why
            alerts = _open_alerts(kiosk.data_dir / "hall.db")
            assert [(source, code) for source, code, _ in alerts] == [("server", "server_failed")]
            assert str(port) in alerts[0][2] and "二维码" in alerts[0][2]
            assert kiosk.stop() == 0
            assert "Traceback" not in kiosk.log()
        finally:
            kiosk.kill()

"""Printer figures: bytes per ticket and time to send it, text mode vs image mode.

    .venv/bin/python bench/printer_bench.py          # image mode at 9600 baud is computed
    .venv/bin/python bench/printer_bench.py --full   # ... and measured too (about a minute)

Serial times are measured through python-escpos' Serial class over a pty whose far end
(the simulator) reads at the given baud rate (10 bits a byte, 8N1), because a pty alone
moves bytes at memory speed. The wire time bytes*10/baud is printed beside it. The
network time is a whole `print_now` against the TCP simulator (status before and
after included). Target: a text-mode ticket <= 1 KB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.printer.escpos_writer import WriteOptions, document_bytes, write_document  # noqa: E402
from devices.printer.layouts import QueueTicket, queue_ticket  # noqa: E402
from devices.printer.service import TicketPrinterService  # noqa: E402
from devices.printer.settings import PrinterSettings  # noqa: E402
from devices.printer.simulator import PrinterSimulator, PtyPrinterSimulator  # noqa: E402

TICKET = QueueTicket(
    hall_name="嘉峰镇便民服务中心", queue_name="综合受理", code="A012", people_ahead=3, wait_minutes_low=10,
    wait_minutes_high=25, issued_at=dt.datetime(2026, 11, 27, 9, 5), qr_url="http://192.168.1.10:8080/t/7f3a9c",
    window_hint="1号、2号窗口", ticket_id="20261127-A012",
)
PROFILES = {58: ("POS-5890", 384), 80: ("TM-T20II", 576)}


def send_over_serial(data_document, options: WriteOptions, profile: str, width: int, baud: int,
                     expected: int) -> float:
    from escpos.printer import Serial

    simulator = PtyPrinterSimulator(width_dots=width, pace_baudrate=baud)
    device = simulator.start()
    try:
        printer = Serial(device, baudrate=baud, timeout=5, profile=profile)
        printer.open()
        started = time.monotonic()
        write_document(printer, data_document, options)
        while simulator.bytes_received < expected:
            time.sleep(0.002)
        elapsed = simulator.last_byte_at - started
        printer.close()
        return elapsed
    finally:
        simulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also measure image mode at 9600 baud")
    args = parser.parse_args()
    print("layout: queue ticket (hall, queue, number 4x/5x, people ahead, wait, window, time, id, QR, tips)")
    print(f"{'paper':>5} {'mode':>5} {'bytes':>7} {'build ms':>8} {'9600 wire s':>11} {'9600 meas s':>11} "
          f"{'115200 wire s':>13} {'115200 meas s':>13} {'tcp print_now ms':>16}")
    document_bytes(queue_ticket(TICKET, 576), WriteOptions(), "TM-T20II")  # imports escpos: not part of a build
    for width_mm, (profile, dots) in PROFILES.items():
        document = queue_ticket(TICKET, dots)
        for mode in ("text", "image"):
            options = WriteOptions(render_mode=mode)
            started = time.perf_counter()
            data = document_bytes(document, options, profile)
            build_ms = (time.perf_counter() - started) * 1000
            cells = []
            for baud in (9600, 115200):
                wire = len(data) * 10 / baud
                if mode == "image" and baud == 9600 and not args.full:
                    measured = "(--full)"
                else:
                    measured = f"{send_over_serial(document, options, profile, dots, baud, len(data)):.2f}"
                cells += [f"{wire:.2f}", measured]
            with PrinterSimulator(port=0, width_dots=dots) as simulator:
                settings = PrinterSettings(driver="network", port=simulator.port, paper_width_mm=width_mm,
                                           render_mode=mode, timeout_seconds=5, status_timeout_seconds=1)
                service = TicketPrinterService(settings)
                service.print_now(TICKET)  # warm-up (imports, font cache)
                timings = []
                for repeat in range(5):
                    started = time.perf_counter()
                    outcome = service.print_now(replace(TICKET, ticket_id=f"bench-{repeat}"))
                    timings.append((time.perf_counter() - started) * 1000)
                    assert outcome.printed, outcome.message_en
                service.close()
            timings.sort()
            print(f"{width_mm:>3}mm {mode:>5} {len(data):>7} {build_ms:>8.1f} {cells[0]:>11} {cells[1]:>11} "
                  f"{cells[2]:>13} {cells[3]:>13} {timings[len(timings) // 2]:>16.1f}")
    text_bytes = len(document_bytes(queue_ticket(TICKET, 576), WriteOptions(), "TM-T20II"))
    print(f"target text-mode ticket <= 1024 bytes: {'met' if text_bytes <= 1024 else 'MISSED'} ({text_bytes} bytes, 80 mm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

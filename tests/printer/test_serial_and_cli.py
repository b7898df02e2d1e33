"""The serial link (pyserial over a pty pair) and the `kiosk` printer commands."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from waiting import wait_until

from devices.printer.service import TicketPrinterService
from devices.printer.settings import PrinterSettings
from devices.printer.simulator import PtyPrinterSimulator
from devices.printer.status import PrinterState
from kiosk.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def serial_printer():
    sim = PtyPrinterSimulator(width_dots=384)
    sim.start()
    yield sim
    sim.stop()


def test_serial_printer_reports_status_and_prints_over_a_real_serial_link(serial_printer, ticket, decode_escpos,
                                                                          printed_lines):
    settings = PrinterSettings(driver="serial", serial_port=serial_printer.device_path, baudrate=115200,
                               paper_width_mm=58, timeout_seconds=3.0, status_timeout_seconds=1.0)
    service = TicketPrinterService(settings)
    serial_printer.set_state("cover_open")
    assert service.status().state is PrinterState.COVER_OPEN
    serial_printer.set_state("ok")
    outcome = service.print_now(ticket)
    service.close()
    assert outcome.printed, outcome.message_en
    wait_until(lambda: serial_printer.jobs, 5, 0.02, "the job at the serial printer")
    lines = printed_lines(decode_escpos(serial_printer.jobs[0]))
    assert "A012" in lines and "您前面还有3人在等候" in lines


def test_a_silent_serial_printer_is_no_answer_not_paper_ok(serial_printer):
    # python-escpos' paper_status() would say "adequate" here (empty read); the kiosk does not.
    serial_printer.set_state("silent")
    settings = PrinterSettings(driver="serial", serial_port=serial_printer.device_path, baudrate=9600,
                               status_timeout_seconds=0.5)
    started = time.monotonic()
    assert TicketPrinterService(settings).status().state is PrinterState.NO_ANSWER
    assert time.monotonic() - started < 2.0


def _config_for(tmp_path: Path, port: int) -> Path:
    text = (REPO / "config" / "hall.toml").read_text(encoding="utf-8")
    section = text.index("[devices.printer]")
    printer_part = text[section:].replace('driver = "simulator"', 'driver = "network"', 1)
    printer_part = re.sub(r"port = \d+", f"port = {port}", printer_part, count=1)
    path = tmp_path / "hall.toml"
    path.write_text(text[:section] + printer_part, encoding="utf-8")
    return path


def test_ticket_render_writes_the_exact_bytes_without_issuing_a_number(tmp_path, data_dir, decode_escpos,
                                                                       printed_lines, capsys):
    out = tmp_path / "a58.bin"
    png = tmp_path / "a58.png"
    assert main(["ticket", "render", "--queue", "A", "--width", "58", "--out", str(out), "--png", str(png)]) == 0
    ops = decode_escpos(out.read_bytes())
    lines = printed_lines(ops)
    assert ops[0].kind == "init" and ops[-1].kind == "cut"
    assert "综合受理" in lines and "A000" in lines, "a sample number, not one from the queue"
    assert png.stat().st_size > 5000
    assert "58 mm" in capsys.readouterr().out
    assert not list(data_dir.glob("*.db")) and not list(data_dir.glob("*.sqlite*")), "no queue database touched"


def test_ticket_render_refuses_an_unknown_queue_in_chinese(tmp_path, capsys):
    assert main(["ticket", "render", "--queue", "Z", "--width", "80", "--out", str(tmp_path / "z.bin")]) == 1
    err = capsys.readouterr().err
    assert "没有这个业务队列" in err and "no queue 'Z'" in err
    assert not (tmp_path / "z.bin").exists()


def test_ticket_render_reports_an_unwritable_output(tmp_path, capsys):
    assert main(["ticket", "render", "--out", str(tmp_path / "missing-dir" / "t.bin")]) == 1
    assert "文件写不进去" in capsys.readouterr().err


def test_printer_status_command_reads_the_configured_printer(simulator, tmp_path, capsys):
    config = _config_for(tmp_path, simulator.port)
    assert main(["--config", str(config), "printer", "status"]) == 0
    simulator.set_state("paper_out")
    assert main(["--config", str(config), "printer", "status", "--json"]) == 1
    out = capsys.readouterr().out
    assert '"state": "paper_out"' in out and "缺纸" in out


def test_sim_printer_command_serves_switches_state_and_draws_each_job(tmp_path, ticket):
    png_dir = tmp_path / "pngs"
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sim", "printer", "--port", "0", "--png-dir", str(png_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        first = process.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", first).group(1))
        process.stdout.readline()
        # Generous: this is about the command, and a loaded CI box may take a second to answer.
        settings = PrinterSettings(driver="network", port=port, timeout_seconds=5, status_timeout_seconds=3)
        service = TicketPrinterService(settings)
        assert service.print_now(ticket).printed
        assert "job 1" in process.stdout.readline()
        process.stdin.write("paper_out\n")
        process.stdin.flush()
        assert "paper_out" in process.stdout.readline()
        assert service.status().state is PrinterState.PAPER_OUT
        service.close()
        process.stdin.write("quit\n")
        process.stdin.flush()
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert (png_dir / "job-0001.png").stat().st_size > 5000


def test_a_serial_printer_that_stops_taking_data_cannot_block_a_write_forever():
    import os

    from devices.printer.connection import close_quietly, open_printer

    master, slave = os.openpty()  # nobody reads the master: the pty's buffer fills up
    try:
        settings = PrinterSettings(driver="serial", serial_port=os.ttyname(slave), baudrate=115200,
                                   timeout_seconds=1.0)
        printer = open_printer(settings)
        started = time.monotonic()
        with pytest.raises(OSError):  # pyserial's SerialTimeoutException is an OSError
            printer._raw(b"\x1b@" + b"A" * 1_000_000)
        assert time.monotonic() - started < settings.timeout_seconds + 3.0
        close_quietly(printer)
    finally:
        os.close(slave)
        os.close(master)


def test_printer_sample_json_says_when_the_slip_may_have_printed(simulator, tmp_path, capsys):
    import json

    config = _config_for(tmp_path, simulator.port)
    assert main(["--config", str(config), "printer", "sample", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["printed"] and not first["maybe_incomplete"]
    # GIVEN a printer that stops answering once the slip is out
    simulator.engine.on_job = lambda index, job: simulator.set_state("silent")
    assert main(["--config", str(config), "printer", "sample", "--json"]) == 1
    second = json.loads(capsys.readouterr().out)
    # THEN a script can tell "may have printed" (look before retrying) from "not printed"
    assert not second["printed"] and second["maybe_incomplete"]
    assert simulator.wait_for_jobs(2)

"""`kiosk sim printer`, `kiosk ticket render`, `kiosk printer status|sample`."""

from __future__ import annotations

import argparse
import sys
import threading
from dataclasses import replace
from pathlib import Path

from devices.base.cli_output import add_json_flag, print_json

LAYOUTS = ("ticket", "receipt", "checklist")


def register(cli) -> None:
    sim = cli.command("printer", "run the ESC/POS printer simulator on 127.0.0.1 (type a state name + Enter to switch)",
                      run_simulator, group="sim", group_help="device simulators")
    sim.add_argument("--port", type=int, default=9100, help="TCP port (default 9100; 0 = any free port)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--width", type=int, choices=(58, 80), default=None, help="paper width in mm (default: config)")
    sim.add_argument("--state", default="ok", help="ok, near_end, paper_out, cover_open, offline, error, silent")
    sim.add_argument("--png-dir", help="write a PNG of every job here (default: <data dir>/printer-sim)")

    render = cli.command("render", "write the exact bytes of a sample ticket (no real number is issued)",
                         render_ticket, group="ticket", group_help="queue tickets")
    render.add_argument("--queue", default="A", help="queue id or prefix, e.g. A")
    render.add_argument("--width", type=int, choices=(58, 80), default=None, help="paper width in mm (default: config)")
    render.add_argument("--out", required=True, help="file for the ESC/POS bytes")
    render.add_argument("--layout", choices=LAYOUTS, default="ticket")
    render.add_argument("--mode", choices=("text", "image"), default=None, help="default: config render_mode")
    render.add_argument("--reprint", action="store_true", help="mark it 补打")
    render.add_argument("--png", help="also draw what the printer would print to this PNG")
    add_json_flag(render)

    status = cli.command("status", "ask the configured printer for its real-time status (DLE EOT 1-4)",
                         printer_status, group="printer", group_help="the ticket printer")
    add_json_flag(status)

    sample = cli.command("sample", "print a sample (marked SAMPLE, not a real number) on the configured printer",
                         print_sample, group="printer", group_help="the ticket printer")
    sample.add_argument("--layout", choices=LAYOUTS, default="ticket")
    sample.add_argument("--queue", default="A")
    add_json_flag(sample)


def _printer_settings(args, width: int | None = None):
    settings = args.hall_settings()
    printer = settings.devices.printer
    if width:
        printer = replace(printer, paper_width_mm=width, profile="" if width != printer.paper_width_mm else printer.profile)
    return settings, printer


def _sample_job(settings, layout_name: str, queue_id: str, reprint: bool = False):
    from devices.printer import layouts
    from devices.printer import messages_zh as zh
    from devices.base.clock import SystemClock
    from devices.printer.errors import UnknownSampleQueue

    now = SystemClock().now()
    hall = settings.hall
    if layout_name == "receipt":
        return replace(layouts.sample_receipt(hall.name, hall.public_url, now), reprint=reprint)
    if layout_name == "checklist":
        return layouts.sample_checklist(hall.name, hall.public_url)
    queue = settings.queue(queue_id)
    if queue is None:
        known = ", ".join(q.id for q in settings.queues)
        raise UnknownSampleQueue(f"no queue {queue_id!r} (known: {known})", zh.ERROR_UNKNOWN_QUEUE, queue=queue_id)
    return replace(layouts.sample_ticket(queue.prefix, queue.name, hall.name, hall.public_url, now), reprint=reprint)


def render_ticket(args: argparse.Namespace) -> int:
    from devices.printer.connection import width_dots
    from devices.printer.errors import OutputNotWritable
    from devices.printer.escpos_writer import WriteOptions, document_bytes
    from devices.printer.layouts import layout

    settings, printer = _printer_settings(args, args.width)
    if args.mode:
        printer = replace(printer, render_mode=args.mode)
    job = _sample_job(settings, args.layout, args.queue, args.reprint)
    document = layout(job, width_dots(printer), printer.print_masked_name, printer.qr_module_size or None)
    data = document_bytes(document, WriteOptions.from_settings(printer), printer.effective_profile)
    try:
        Path(args.out).write_bytes(data)
    except OSError as exc:
        raise OutputNotWritable(args.out, str(exc)) from exc
    if args.png:
        from devices.printer.sim_render import render_job

        image, missing = render_job(data, document.width_dots)
        try:
            image.save(args.png)
        except OSError as exc:
            raise OutputNotWritable(args.png, str(exc)) from exc
    summary = {"out": args.out, "bytes": len(data), "layout": args.layout, "width_mm": printer.paper_width_mm,
               "width_dots": document.width_dots, "mode": printer.render_mode, "png": args.png or ""}
    if args.json:
        print_json(summary)
    else:
        print(f"{len(data)} bytes ({printer.render_mode} mode, {printer.paper_width_mm} mm) -> {args.out}")
    return 0


def _service(printer_settings):
    from devices.printer.service import TicketPrinterService

    return TicketPrinterService(printer_settings)


def printer_status(args: argparse.Namespace) -> int:
    from devices.printer.connection import describe_link

    _, printer = _printer_settings(args)
    service = _service(printer)
    status = service.status()
    if args.json:
        print_json({"link": describe_link(printer), **status.as_dict()})
    else:
        print(f"{describe_link(printer)}: {status.message_en}")
        print(status.staff_message_zh or status.message_zh)
    return 0 if status.can_print else 1


def print_sample(args: argparse.Namespace) -> int:
    settings, printer = _printer_settings(args)
    service = _service(printer)
    outcome = service.print_now(_sample_job(settings, args.layout, args.queue))
    service.close()
    if args.json:
        # maybe_incomplete: the slip may still come out; check the printer before a retry.
        print_json({"printed": outcome.printed, "maybe_incomplete": outcome.maybe_incomplete,
                    "state": outcome.state.value, "bytes": outcome.job_bytes,
                    "message_zh": outcome.message_zh, "message_en": outcome.message_en})
    else:
        print(outcome.message_en)
        print(outcome.message_zh)
    return 0 if outcome.printed else 1


def run_simulator(args: argparse.Namespace) -> int:
    from devices.printer.settings import DOTS_BY_PAPER_WIDTH
    from devices.printer.simulator import STATES, PrinterSimulator

    settings, printer = _printer_settings(args, args.width)
    png_dir = Path(args.png_dir) if args.png_dir else settings.data_dir / "printer-sim"
    png_dir.mkdir(parents=True, exist_ok=True)
    simulator: PrinterSimulator | None = None

    def on_job(index: int, job) -> None:
        path = png_dir / f"job-{index + 1:04d}.png"
        try:
            simulator.render_png(index, path)
            where = str(path)
        except Exception as exc:  # a bad job must not stop the simulator
            where = f"(no PNG: {exc})"
        print(f"job {index + 1}: {len(job.data)} bytes, state {job.state} -> {where}", flush=True)

    simulator = PrinterSimulator(args.host, args.port, DOTS_BY_PAPER_WIDTH[printer.paper_width_mm], args.state, on_job)
    port = simulator.start()
    print(f"printer simulator on {args.host}:{port} ({printer.paper_width_mm} mm), state {simulator.state}", flush=True)
    print(f"type one of {', '.join(STATES)} and Enter to switch state; Ctrl-C to stop", flush=True)
    stop = threading.Event()
    try:
        for line in sys.stdin:
            command = line.strip()
            if command in ("quit", "exit"):
                break
            if command in STATES:
                simulator.set_state(command)
                print(f"state -> {command}", flush=True)
            elif command:
                print(f"unknown state {command!r}; use one of {', '.join(STATES)}", flush=True)
        else:
            stop.wait()  # stdin closed (run in the background): keep serving until killed
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0

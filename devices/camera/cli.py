"""`kiosk scan …` (page detection, finished pages, PDF) and `kiosk sim camera`."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path


def _read_image(path: str):
    # Photos given on the command line come from outside: header checked before decoding.
    from devices.camera.image_input import read_page_image

    return read_page_image(path)


def _reference(path: str | None):
    if not path:
        return None
    from devices.camera.page_detect import PlatenReference

    return PlatenReference(_read_image(path))


def _detect(args: argparse.Namespace):
    from devices.camera.page_detect import detect_page

    image = _read_image(args.image)
    return image, detect_page(image, _reference(args.reference))


def cmd_detect(args: argparse.Namespace) -> int:
    from devices.base.cli_output import print_json

    _, detection = _detect(args)
    if detection is None:
        if args.json:
            print_json({"page": None, "message_en": "no page found", "message_zh": _zh().NO_PAGE})
        else:
            print(f"no page found / {_zh().NO_PAGE}")
        return 2
    if not detection.accepted:
        # A quad we are not sure of is not printed as if it were the page.
        if args.json:
            print_json({"page": None, "unsure": detection.as_dict(), "message_en": "page seen but not clearly",
                        "message_zh": _zh().REPLACE_PAGE})
        else:
            print(f"page seen but not clearly (confidence {detection.confidence:.2f}) / {_zh().REPLACE_PAGE}")
        return 2
    if args.json:
        print_json({"page": detection.as_dict()})
    else:
        corners = "  ".join(f"({x:.1f}, {y:.1f})" for x, y in detection.corners)
        print(f"corners (clockwise from top-left): {corners}")
        print(f"confidence: {detection.confidence:.3f}")
        if detection.touches_edge:
            print(f"warning: page touches the frame edge / {_zh().CUT_OFF}")
    return 0


def _zh():
    from devices.camera import messages_zh

    return messages_zh


def _camera_settings(args: argparse.Namespace):
    return args.hall_settings().devices.camera


def cmd_page(args: argparse.Namespace) -> int:
    from devices.camera.bundle import write_file_atomic
    from devices.camera.errors import NoPageFound
    from devices.camera.page_make import make_page
    from devices.base.cli_output import print_json

    settings = _camera_settings(args)
    image, detection = _detect(args)
    if detection is None:
        raise NoPageFound(f"no page found in {args.image}")
    page = make_page(image, detection, mode=args.mode or settings.colour_mode, jpeg_quality=settings.jpeg_quality,
                     platen_width_mm=settings.platen_width_mm, min_sharpness=settings.min_sharpness,
                     min_page_fraction=settings.min_page_fraction, codes=settings.read_codes,
                     upright_by_text=settings.upright_by_text)
    out = write_file_atomic(args.out, page.jpeg_bytes)
    summary = {
        "out": str(out),
        "page_class": page.page_class,
        "size_px": list(page.size_px),
        "dpi": page.dpi,
        "kB": round(len(page.jpeg_bytes) / 1024, 1),
        "rotation": page.rotation,
        "orientation_confident": page.orientation_confident,
        "mode": page.mode,
        "corners": detection.as_dict()["corners"],
        "confidence": round(detection.confidence, 3),
        "problems": [{"code": p.code, "message_zh": p.message_zh, "message_en": p.message_en}
                     for p in page.quality_problems],
        "codes": [{"format": c.format, "text": c.text} for c in page.codes],
    }
    if args.json:
        print_json(summary)
    else:
        print(f"wrote {out}: {page.page_class} {page.size_px[0]}x{page.size_px[1]} at {page.dpi} dpi, "
              f"{summary['kB']} kB, turned {page.rotation}°"
              + ("" if page.orientation_confident else " (which way is up is not sure: left as placed)"))
        for code in page.codes:
            print(f"code {code.format}: {code.text}")
        for problem in page.quality_problems:
            print(f"retake: {problem.message_zh} ({problem.message_en})")
    # 3 = written, but the quality gate would ask the citizen for a retake.
    return 0 if page.ok else 3


def cmd_pdf(args: argparse.Namespace) -> int:
    from devices.camera.bundle import bundle_pdf

    path = bundle_pdf(args.pages, args.out)
    print(f"wrote {path}: {len(args.pages)} page(s), {path.stat().st_size / 1024:.0f} kB")
    return 0


def cmd_sim_camera(args: argparse.Namespace) -> int:
    """Run the configured camera (the simulator by default) and save the pages it captures."""
    from devices.camera.events import CameraProblem, CameraReconnected, PageCaptured
    from devices.camera.factory import open_camera
    from devices.camera.service import CameraService
    from devices.camera.bundle import bundle_pdf, write_file_atomic

    settings = _camera_settings(args)
    out = Path(args.out)
    pages = []
    lock = threading.Lock()

    def on_event(event) -> None:
        if isinstance(event, PageCaptured):
            with lock:
                pages.append(event.page)
                n = len(pages)
            name = out / f"page-{n:02d}.jpg"
            write_file_atomic(name, event.page.jpeg_bytes)
            verdict = "ok" if event.page.ok else event.page.quality_problems[0].message_zh
            print(f"captured {name}: {event.page.page_class}, {len(event.page.jpeg_bytes) // 1024} kB, {verdict}",
                  flush=True)
        elif isinstance(event, (CameraProblem, CameraReconnected)):
            print(f"{type(event).__name__}: {event.message_zh}", flush=True)

    service = CameraService(open_camera(settings), on_event, settings)
    service.start()
    try:
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        service.stop()
    print(f"{service.stats['frames']} preview frames, {service.stats['captures']} capture(s)")
    if pages:
        path = bundle_pdf(pages, out / "submission.pdf")
        print(f"wrote {path}")
    return 0


def register(cli) -> None:
    from devices.base.cli_output import add_json_flag

    parser = cli.command("detect", "find the page in a photo: four corners clockwise from top-left and a confidence",
                         cmd_detect, group="scan", group_help="document camera: pages and PDFs")
    parser.add_argument("image", help="photo of the platen (JPEG/PNG)")
    parser.add_argument("--reference", help="photo of the empty platen from the same camera")
    add_json_flag(parser)

    parser = cli.command("page", "make the finished page (flattened, upright, enhanced JPEG) from a photo",
                         cmd_page, group="scan")
    parser.add_argument("image")
    parser.add_argument("--reference", help="photo of the empty platen from the same camera")
    parser.add_argument("--out", required=True, help="where to write the page JPEG")
    parser.add_argument("--mode", choices=("auto", "colour", "gray", "bw"), help="default: from the settings")
    add_json_flag(parser)

    parser = cli.command("pdf", "bundle page JPEGs into one PDF (the JPEG bytes are kept as they are)",
                         cmd_pdf, group="scan")
    parser.add_argument("pages", nargs="+", help="page JPEG files in order")
    parser.add_argument("--out", required=True, help="PDF to write")

    parser = cli.command("camera", "run the configured camera (simulator by default) and save captured pages",
                         cmd_sim_camera, group="sim", group_help="device simulators")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", default="scans", help="folder for the captured pages and the PDF")

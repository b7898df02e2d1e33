"""Drop-off benchmark: what a citizen waits for at 提交, and what staff wait for per page.

Submits drop-offs of 5 pages (synthetic finished pages, ~100-300 kB each) to a
throw-away hall on this disk: sealing, fsyncing, the PDF and the one transaction.
Then opens each page and the PDF as staff do. Prints figures only.

    .venv/bin/python bench/dropoff_bench.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def _figures(name: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"{name:<28} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   max {values[-1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dropoff-bench-") as folder:
        os.environ["KIOSK_DATA_DIR"] = folder
        from devices.base.clock import SystemClock
        from dropoff_drafts import fill_draft, page_jpegs
        from kiosk.config import load_settings
        from kiosk.root.hall import open_hall

        hall = open_hall(load_settings(), SystemClock(), enforce_hours=False)
        pages = page_jpegs()
        submit_ms, page_ms, pdf_ms = [], [], []
        for number in range(args.rounds):
            draft = fill_draft(hall.dropoff, pages)
            first = draft.pages[0][0]
            draft.pages[0][0] = type(first)(first.jpeg + number.to_bytes(4, "big"), first.width, first.height)
            started = time.perf_counter()
            code = hall.dropoff.submit(draft).code
            submit_ms.append((time.perf_counter() - started) * 1000)
            for page in range(1, 6):
                started = time.perf_counter()
                hall.dropoff.page(code, page)
                page_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            hall.dropoff.pdf(code)
            pdf_ms.append((time.perf_counter() - started) * 1000)
        size = sum(len(p[0]) for p in pages) / 1024
        print(f"{args.rounds} drop-offs of 5 pages ({size:.0f} kB of JPEG each) on {folder}")
        print(_figures("submit (seal, fsync, commit)", submit_ms))
        print(_figures("open one page (staff)", page_ms))
        print(_figures("open the PDF (staff)", pdf_ms))
        hall.close()


if __name__ == "__main__":
    main()

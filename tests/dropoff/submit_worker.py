"""Run by test_kill.py in its own process: submit drop-offs until killed.

The same service call the kiosk's submit button makes. Prints `BEGIN n` before a
submission and `COMMITTED code seconds` once `submit` has returned (flushed at
once): a code on stdout is a receipt a citizen was shown.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.base.clock import SystemClock  # noqa: E402
from dropoff_drafts import fill_draft, page_jpegs  # noqa: E402
from kiosk.config import load_settings  # noqa: E402
from kiosk.root.hall import open_hall  # noqa: E402


def main() -> None:
    hall = open_hall(load_settings(), SystemClock(), enforce_hours=False)
    pages = page_jpegs()
    number = 0
    while True:
        print(f"BEGIN {number}", flush=True)
        started = time.perf_counter()
        # A different page set each time, so every submission writes new files.
        rotated = pages[number % len(pages):] + pages[:number % len(pages)]
        draft = fill_draft(hall.dropoff, rotated, layout=(2, 2, 1))
        draft.pages[0][0] = type(draft.pages[0][0])(draft.pages[0][0].jpeg + number.to_bytes(4, "big"),
                                                    draft.pages[0][0].width, draft.pages[0][0].height)
        code = hall.dropoff.submit(draft).code
        print(f"COMMITTED {code} {time.perf_counter() - started:.3f}", flush=True)
        number += 1


if __name__ == "__main__":
    main()

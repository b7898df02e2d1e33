"""Run by test_kill.py in its own process: the real kiosk app, a villager's drop-off.

The KioskApp from a real KioskRuntime (reader simulator on a pty, printer simulator
over TCP, the simulated document camera), driven through its screens with real
touches: card -> matter -> 2 + 2 + 1 pages on the camera -> review -> phone ->
consent -> 同意并提交. Then it runs on (the receipt prints) until it is killed.

Each moment that matters is printed on stdout, flushed at once, with the child's
time.monotonic() (system-wide on Linux, so the parent can compare it with its own):
    FLOW READY <t>          the consent screen is up, the tap comes next
    SUBMIT TAPPED <t>       the finger lifted from 同意并提交: the submission starts
    RECEIPT SHOWN <code> <t>  the receipt screen shows the code: a citizen has seen it
    PRINTED <t>             the receipt came out of the printer
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS), str(TESTS.parent)]

# Configures Kivy: before anything imports its window.
from kiosk_ui import BEHAVIOUR_LANDSCAPE, OPEN_MOMENT, UI, open_window, start_app, with_fast_reader  # noqa: E402

from dropoff_kiosk import capture_page, give_phone, to_capture, to_phone, with_quick_camera  # noqa: E402

# The page layout of the end-to-end test: 5 pages over the first three materials.
LAYOUT = (2, 2, 1)
# Nobody waits forever for a parent that is gone.
LIFETIME_AFTER_RECEIPT_SECONDS = 60


def report(*words: object) -> None:
    print(*words, f"{time.monotonic():.6f}", flush=True)


def main() -> None:
    from devices.base.clock import ManualClock
    from kiosk.config import load_settings

    # CPU is what 20 of these cost: the pages' orientation does not matter here (upright_by_text
    # is ~0.3-1 s of a core per page), and every preview frame is rendered and searched for a page.
    settings = with_fast_reader(with_quick_camera(load_settings(), upright_by_text=False, simulator_fps=10.0,
                                                  stable_frames=3))
    # Voice off: espeak-ng would cost CPU for prompts nobody hears.
    kiosk = start_app(open_window(), settings, ManualClock(OPEN_MOMENT), Path(tempfile.mkdtemp()),
                      BEHAVIOUR_LANDSCAPE, voice_enabled=False)

    to_capture(kiosk, UI, card="resident")
    capture = kiosk.screen("dropoff_capture")
    for material, pages in enumerate(LAYOUT):
        if material:
            UI.tap(capture.ids.next_material)
        for _ in range(pages):
            capture_page(kiosk, UI)
    to_phone(kiosk, UI)
    give_phone(kiosk, UI)

    consent = kiosk.screen("dropoff_consent")
    receipt = kiosk.screen("dropoff_receipt")
    # Reported from the app's own events, in the frame they happen (UI.tap returns only
    # once the submission has answered, so a report after it would come too late).
    consent.ids.agree.bind(on_release=lambda _button: report("SUBMIT TAPPED"))
    kiosk.app.manager.bind(current=lambda _manager, name: name == "dropoff_receipt"
                           and report("RECEIPT SHOWN", receipt.code))
    report("FLOW READY")
    UI.tap(consent.ids.agree)
    UI.wait_until(lambda: receipt.printed, 30, "the receipt to print")
    report("PRINTED")
    deadline = time.monotonic() + LIFETIME_AFTER_RECEIPT_SECONDS
    while time.monotonic() < deadline:  # the kiosk idles on the receipt screen until killed
        UI.pump(1)
        time.sleep(0.05)


if __name__ == "__main__":
    main()

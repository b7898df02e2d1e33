"""In-process UI fixtures: a fresh KioskApp per test in the worker's one Kivy window,
driven by real touches (the harness itself is tests/kiosk_ui.py).

Every app is built from a real KioskRuntime: the SQLite file in the test's data
directory, the real ID-card driver against its simulator on a pty, the real printer
driver against its simulator over TCP.
"""

from __future__ import annotations

import datetime as dt

import pytest
from kiosk_ui import (BEHAVIOUR_LANDSCAPE, OPEN_MOMENT, UI, Kiosk, open_window, start_app, stop_app,
                      with_fast_reader)

from screens.kivy_setup import PORTRAIT

CLOSED_MOMENT = dt.datetime(2026, 11, 28, 10, 0)  # Saturday


@pytest.fixture(scope="session")
def window():
    return open_window()


@pytest.fixture
def hall_settings():
    from kiosk.config import load_settings
    from kiosk.root.runtime import with_dedupe

    # The reader's 30 s dedupe would hide a card placed again seconds later in a test.
    return with_dedupe(load_settings(), 0)


@pytest.fixture
def start_kiosk(window, hall_settings, tmp_path):
    """`start_kiosk(moment=..., portrait=False, settings=None, serve_hall=False)` -> a running Kiosk; stopped
    after the test. `serve_hall`: with the hall server in the process, as `kiosk run` (give settings whose
    [server] port is free).

    The simulated reader is polled every FAST_POLL_MS, whichever settings are given."""
    from devices.base.clock import ManualClock

    started: list[Kiosk] = []

    def start(moment: dt.datetime = OPEN_MOMENT, portrait: bool = False, settings=None,
              voice_enabled: bool = True, size: tuple[int, int] | None = None, serve_hall: bool = False,
              draw: bool = False) -> Kiosk:
        # Behaviour tests draw a smaller landscape window: software GL renders a frame in
        # proportion to its pixels, and a tap's outcome does not depend on the size. The
        # screenshot test asks for the real 1920x1080 and 1080x1920.
        size = size or (PORTRAIT if portrait else BEHAVIOUR_LANDSCAPE)
        kiosk = start_app(window, with_fast_reader(settings or hall_settings), ManualClock(moment), tmp_path,
                          size, voice_enabled, serve_hall, draw)
        started.append(kiosk)
        return kiosk

    yield start
    for kiosk in started:
        stop_app(kiosk)


@pytest.fixture
def kiosk(start_kiosk):
    return start_kiosk()


@pytest.fixture
def ui():
    return UI

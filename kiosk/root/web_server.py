"""The hall server's application built from the hall's settings, for uvicorn to import.

`kiosk serve --workers N` runs N processes; uvicorn imports this factory in each,
so every worker opens the hall itself (its own database connections, its own
live-feed thread) from `KIOSK_CONFIG` / `KIOSK_DATA_DIR`, and closes it when the
worker stops. SQLite's write lock and the engine's one transaction per operation
keep the workers' numbers apart (tests/web/test_workers.py, bench/hall_load.py).

    uvicorn --factory kiosk.root.web_server:create_app_from_settings --workers 2
"""

from __future__ import annotations

from kiosk.config import load_settings
from kiosk.root.hall import open_hall
from kiosk.web.app import create_app

FACTORY = "kiosk.root.web_server:create_app_from_settings"


def create_app_from_settings():
    settings = load_settings()  # $KIOSK_CONFIG or the packaged hall; $KIOSK_DATA_DIR overrides its data folder
    hall = open_hall(settings, serve_public_pages=True)
    try:
        # Each worker runs the threshold watch too: its checks are idempotent (one alert per kind).
        return create_app(hall, on_close=hall.close, background=(hall.thresholds,))
    except BaseException:
        hall.close()
        raise

"""`kiosk serve`: the hall server alone (counter console, hall display, phone pages).

Binds to [server] host/port of the hall settings (loopback unless the hall opened
it to its LAN); --host/--port override them for one run.
"""

from __future__ import annotations

import argparse
import logging
import os

log = logging.getLogger(__name__)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.web.app import create_app

    settings = args.hall_settings()
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    if args.workers > 1:
        return _serve_workers(args, settings, host, port)
    # This process serves public_url: the hall's links (QR codes) are given from now on.
    hall = args.open_hall(settings, serve_public_pages=True)
    try:
        # The daily retention purge stays with `kiosk run` (the kiosk owns it); see the report of issue 14.
        # The threshold watch runs here: waits are checked every [stats] live_check_minutes.
        app = create_app(hall, background=(hall.thresholds,))
        print(f"沁心办 hall server on http://{host}:{port}  (console /staff, display /display)")
        if not hall.accounts.has_manager():
            print("no manager account yet: run `kiosk account create-manager NAME` on this machine")
        uvicorn.run(app, host=host, port=port, log_level="warning" if not args.verbose else "info",
                    proxy_headers=False, server_header=False)
    finally:
        hall.close()
    return 0


def _serve_workers(args: argparse.Namespace, settings, host: str, port: int) -> int:
    """Several worker processes, each opening the hall from the same settings file."""
    import uvicorn

    hall = args.open_hall(settings)  # migrates once here, before the workers race to it
    try:
        has_manager = hall.accounts.has_manager()
    finally:
        hall.close()
    if settings.source:
        os.environ["KIOSK_CONFIG"] = settings.source  # the workers read the file this command was given
    print(f"沁心办 hall server on http://{host}:{port}  ({args.workers} workers; console /staff, display /display)")
    if not has_manager:
        print("no manager account yet: run `kiosk account create-manager NAME` on this machine")
    uvicorn.run(args.hall_app_factory, factory=True, workers=args.workers, host=host, port=port,
                log_level="warning" if not args.verbose else "info", proxy_headers=False, server_header=False)
    return 0


def register(cli) -> None:
    parser = cli.command("serve", "run the hall server: counter console (/staff), hall display (/display), "
                         "phone pages (/t/…, /g/…, /d)", _serve)
    parser.add_argument("--host", help="bind address (default: [server] host of the hall settings, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default: [server] port, 8080)")
    parser.add_argument("--workers", type=int, default=1, choices=range(1, 9), metavar="N",
                        help="worker processes (default 1, the right choice for one hall box: the database has "
                             "one writer at a time anyway, and measured on two cores 2 workers were no faster; each "
                             "opens the hall; numbers and the live feed stay consistent across them, but a logout or "
                             "a disabled account/device reaches the other workers only within 5 s)")

"""The hall without its devices: database, queue, alerts and the services over them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from devices.base.clock import Clock, SystemClock
from devices.base.errors import ConfigError, KioskError
from kiosk.alerts import AlertLog
from kiosk.config import Settings
from kiosk.guides.hall_folder import prepare_hall_matters
from kiosk.maintenance import DailyPurge
from kiosk.privacy import make_private_dir
from kiosk.queueing.engine import QueueEngine
from kiosk.dropoff.blobs import BlobStore
from kiosk.dropoff.vault import Vault
from kiosk.services.dropoff import DropoffService
from kiosk.services.accounts import AccountService
from kiosk.services.features import Features
from kiosk.services.guides import GuideService
from kiosk.services.hall_board import HallBoard
from kiosk.services.kiosk_devices import KioskDeviceService
from kiosk.services.links import PublicLinks
from kiosk.services.printing import PrintService
from kiosk.services.ratings import RatingService
from kiosk.services.staff_access import PIN_FILE_NAME, StaffAccess
from kiosk.services.threshold_watch import ThresholdWatch
from kiosk.services.ticketing import TicketService
from kiosk.store import Store

log = logging.getLogger(__name__)


@dataclass
class Hall:
    settings: Settings
    clock: Clock
    store: Store
    engine: QueueEngine
    alerts: AlertLog
    maintenance: DailyPurge
    links: PublicLinks
    tickets: TicketService
    printing: PrintService
    guides: GuideService
    features: Features
    staff_access: StaffAccess
    dropoff: DropoffService
    accounts: AccountService
    board: HallBoard
    kiosk_devices: KioskDeviceService
    ratings: RatingService
    # The [stats] thresholds as alerts: its daily check runs with the maintenance; the hall
    # server starts its thread for the live check (kiosk.web.app create_app(background=…)).
    thresholds: ThresholdWatch

    def close(self) -> None:
        self.thresholds.stop()
        self.maintenance.stop()
        self.store.close()


def open_hall(settings: Settings, clock: Clock | None = None, *, database: Path | None = None,
              enforce_hours: bool = True, cache_dir: Path | None = None, serve_public_pages: bool = False) -> Hall:
    """Open (and migrate) the hall's database and build its services. Raises StoreError.

    `serve_public_pages`: this process runs the hall server (`kiosk serve`), so the
    QR codes' pages exist and links are given (see mark_links_served).
    """
    clock = clock or SystemClock()
    # The data folder holds the database, holder.key and caches: 0700, tightened
    # (and logged) if an older version or a person left it open to others. Not
    # created here when the database lives elsewhere (`--db`): whatever first
    # writes into it creates it private.
    make_private_dir(settings.data_dir, create=database is None)
    store = Store(database or settings.database_path)
    try:
        engine = QueueEngine(settings, store, clock, enforce_hours=enforce_hours)
    except BaseException:
        store.close()
        raise
    alerts = AlertLog(store, clock)
    # No QR codes until this process serves public_url (mark_links_served: `kiosk serve`,
    # or `kiosk run` once its in-process server answers).
    links = PublicLinks(settings.hall.public_url, engine.holder_key, served=False)
    guides = GuideService(cache_dir or settings.data_dir / "cache", _hall_matters(settings))
    vault = Vault(settings.data_dir)
    dropoff = DropoffService(settings, store, clock, vault, BlobStore(settings.data_dir / "scans", vault),
                             guides.catalogue, alerts, links)
    _sweep_unfinished_dropoffs(dropoff)
    ratings = RatingService(settings, store, engine, clock)
    watch = ThresholdWatch(settings, store, engine, ratings, alerts, clock)
    hall = Hall(
        settings=settings,
        clock=clock,
        store=store,
        engine=engine,
        alerts=alerts,
        maintenance=DailyPurge(settings, store, clock,
                               daily_jobs=(dropoff.close_lapsed_corrections, dropoff.purge_expired_scans, dropoff.sweep,
                                           watch.check_last_day)),
        links=links,
        tickets=TicketService(settings, engine, alerts, clock),
        printing=PrintService(settings, alerts, clock, links),
        guides=guides,
        # The drop-off flow and the hall server are still to come: neither is on.
        features=Features(dropoff=False, public_pages=links.served),
        # The secret lives beside the database, never in the hall's settings file.
        staff_access=StaffAccess(settings.data_dir / PIN_FILE_NAME, store, alerts, clock),
        dropoff=dropoff,
        accounts=AccountService(store, clock, session_hours=settings.server.session_hours),
        board=HallBoard(settings, engine, clock),
        kiosk_devices=KioskDeviceService(store, clock),
        ratings=ratings,
        thresholds=watch,
    )
    if serve_public_pages:
        mark_links_served(hall)
    return hall


def mark_links_served(hall: Hall) -> None:
    """The hall server now serves `public_url`: tickets and guides get their QR codes.

    Called by the composition root wherever it starts the server (`kiosk serve`, and
    `kiosk run` once its in-process server answers: KioskRuntime._start_hall_server). The printer service
    and the screens read the same PublicLinks and Features objects, so from here
    on every ticket printed carries its progress QR.
    """
    hall.links.served = bool(hall.links.base)
    hall.features.public_pages = hall.links.served
    log.info("public pages served at %s: QR codes on", hall.links.base or "(no public_url)")


def _sweep_unfinished_dropoffs(dropoff: DropoffService) -> None:
    """Files of a submission a crash interrupted go at start-up (blobs.py says why this is safe
    while another process is submitting). Never stops the hall from opening."""
    if not dropoff.blobs.root.exists():
        return
    try:
        dropoff.sweep()
    except (OSError, KioskError) as exc:
        log.error("sweeping unfinished drop-offs failed: %s", exc)


def _hall_matters(settings: Settings) -> Path | None:
    """The hall's own catalogue folder (seeded on first run); the packaged one if it cannot be made."""
    try:
        return prepare_hall_matters(settings)
    except ConfigError as exc:
        # A read-only disk must not take the guides away: show the packaged samples
        # (marked 示例内容) and say why in the log for staff.
        log.error("using the packaged guides: %s", exc.message_en)
        return None

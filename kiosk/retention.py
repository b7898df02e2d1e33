"""Personal data is kept only as long as it is needed.

Tickets themselves are hall statistics and stay. What ties a ticket to a person,
the holder hash, serves only the one-waiting-ticket-per-person rule, which looks
at tickets of the same business day; so a hash is cleared once its business day
is over, whatever `storage.retention_days` says. `retention_days` stays for the
personal data later flows keep longer (drop-off scans), which add their purges here.

The daily purge (kiosk.maintenance) and `kiosk db purge` both call
`purge_expired_personal_data`.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from devices.base.clock import Clock, SystemClock, business_day, to_stamp
from kiosk.config import Settings
from kiosk.store import Store

log = logging.getLogger(__name__)


def holder_hash_cutoff(conn: sqlite3.Connection, today: str) -> str | None:
    """Holder hashes of business days before this one may be cleared; None: keep them all.

    Only days strictly before today AND before the business day of the newest
    ticket. "Today" alone is not enough: a clock that jumps far ahead (a bad RTC,
    NTP gone wrong) would make the hall's real day look long over and clear the
    hashes the rule still needs today; and a clock that then comes back would
    have lost them for good. The newest ticket was drawn on the day the hall is
    really in (or later), so while nobody has drawn a ticket under the jumped
    clock, the real day's hashes stay. The price: the last day's hashes wait for
    the next day's first ticket (the daily purge then clears them within minutes),
    not for midnight.
    """
    row = conn.execute("SELECT business_day FROM tickets ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return min(today, row[0])


def purge_expired_personal_data(settings: Settings, store: Store, clock: Clock | None = None) -> dict:
    """Clear the holder hashes of finished business days (see `holder_hash_cutoff`); logged as an event."""
    now = (clock or SystemClock()).now()
    today = business_day(now).isoformat()
    stamp = to_stamp(now)
    with store.write() as conn:
        cutoff = holder_hash_cutoff(conn, today)
        cleared = 0
        if cutoff is not None:
            cleared = conn.execute(
                "UPDATE tickets SET holder_hash = NULL WHERE holder_hash IS NOT NULL AND business_day < ?", (cutoff,)
            ).rowcount
        conn.execute(
            "INSERT INTO events (at, kind, actor, data) VALUES (?, 'retention_purge', 'system', ?)",
            (stamp, json.dumps({"before_day": cutoff, "holder_hashes_cleared": cleared})),
        )
    if cutoff is not None and cutoff < today:
        log.info("holder hashes kept from %s on: no ticket yet on %s (or the clock reads ahead)", cutoff, today)
    log.info("retention purge before %s: %d holder hashes cleared", cutoff, cleared)
    return {"before_day": cutoff, "holder_hashes_cleared": cleared}

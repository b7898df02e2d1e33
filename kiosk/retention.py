"""Personal data is kept only as long as the config says (`storage.retention_days`).

Tickets themselves are hall statistics and stay; what ties a ticket to a person
(the holder hash) is cleared once it is older than the retention period. Later
flows (drop-off scans) add their own purges here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from devices.base.clock import Clock, SystemClock, business_day, to_stamp
from kiosk.config import Settings
from kiosk.store import Store

log = logging.getLogger(__name__)


def purge_expired_personal_data(settings: Settings, store: Store, clock: Clock | None = None) -> dict:
    now = (clock or SystemClock()).now()
    cutoff = (business_day(now) - dt.timedelta(days=settings.storage.retention_days)).isoformat()
    stamp = to_stamp(now)
    with store.write() as conn:
        cleared = conn.execute(
            "UPDATE tickets SET holder_hash = NULL WHERE holder_hash IS NOT NULL AND business_day < ?", (cutoff,)
        ).rowcount
        conn.execute(
            "INSERT INTO events (at, kind, actor, data) VALUES (?, 'retention_purge', 'system', ?)",
            (stamp, json.dumps({"before_day": cutoff, "holder_hashes_cleared": cleared})),
        )
    log.info("retention purge before %s: %d holder hashes cleared", cutoff, cleared)
    return {"before_day": cutoff, "holder_hashes_cleared": cleared}

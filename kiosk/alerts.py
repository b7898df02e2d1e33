"""Staff alerts: things a person must see to (printer out of paper, reader fault).

Kept in the hall database so the counter console and the county see them too, and
so an alert raised at night is still there in the morning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devices.base.clock import Clock, SystemClock, to_stamp
from kiosk.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    id: int
    at: str
    source: str
    level: str
    code: str
    message_zh: str
    message_en: str
    resolved_at: str | None


class AlertLog:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    def raise_alert(self, source: str, level: str, code: str, message_zh: str, message_en: str,
                    update: bool = False) -> Alert:
        """Record an alert unless the same one (source, code) is already open. `update`: an open one
        takes the new words (a figure that changed), keeping the time it was first raised."""
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT * FROM alerts WHERE source = ? AND code = ? AND resolved_at IS NULL ORDER BY id DESC LIMIT 1",
                (source, code),
            ).fetchone()
            if row is None:
                alert_id = conn.execute(
                    "INSERT INTO alerts (at, source, level, code, message_zh, message_en) VALUES (?, ?, ?, ?, ?, ?)",
                    (stamp, source, level, code, message_zh, message_en),
                ).lastrowid
                row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
                log.warning("staff alert from %s: %s (%s)", source, message_en, code)
            elif update and (row["message_zh"], row["message_en"], row["level"]) != (message_zh, message_en, level):
                conn.execute("UPDATE alerts SET level = ?, message_zh = ?, message_en = ? WHERE id = ?",
                             (level, message_zh, message_en, row["id"]))
                row = conn.execute("SELECT * FROM alerts WHERE id = ?", (row["id"],)).fetchone()
        return Alert(**dict(row))

    def resolve(self, source: str, code: str | None = None) -> int:
        """Close the open alerts of a source (all, or one code); returns how many."""
        # Most calls find nothing open (every good print resolves "printer"): look on
        # the read connection first, so they never wait for the write lock.
        with self.store.query() as conn:
            sql = "SELECT 1 FROM alerts WHERE source = ? AND resolved_at IS NULL" + (" AND code = ?" if code else "")
            if conn.execute(sql + " LIMIT 1", (source, code) if code else (source,)).fetchone() is None:
                return 0
        stamp = to_stamp(self.clock.now())
        sql = "UPDATE alerts SET resolved_at = ? WHERE source = ? AND resolved_at IS NULL"
        params: tuple = (stamp, source)
        if code is not None:
            sql, params = sql + " AND code = ?", params + (code,)
        with self.store.write() as conn:
            return conn.execute(sql, params).rowcount

    def open_alerts(self) -> list[Alert]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM alerts WHERE resolved_at IS NULL ORDER BY id").fetchall()
        return [Alert(**dict(row)) for row in rows]


"""The wait a new ticket is told: people ahead × today's service times per open window.

Today's service-time quartiles (or the queue's configured norm until enough
services are finished) and the number of open windows serving the queue are read
from the database and reused for a few seconds.
"""

from __future__ import annotations

import math
import statistics
import time

from kiosk.config import QueueDef, Settings
from kiosk.queueing.models import WaitEstimate

SERVICE_SAMPLE = 30  # rolling window of today's service times used for estimates
ESTIMATE_INPUTS_TTL = 5.0  # seconds another process's pause or finish may take to show in estimates
MIN_SAMPLES_FOR_QUARTILES = 5


class WaitEstimator:
    def __init__(self, settings: Settings, inputs_ttl: float = ESTIMATE_INPUTS_TTL) -> None:
        self.settings = settings
        self.inputs_ttl = inputs_ttl
        self._cache: dict[tuple[str, str], tuple[float, int, tuple[float, float] | None]] = {}

    def forget(self) -> None:
        """Drop the reused inputs: a window was paused or opened, or a service finished."""
        self._cache.clear()

    def open_windows(self, conn, queue_id: str) -> int:
        serving = [w.number for w in self.settings.windows if queue_id in w.queues]
        if not serving:
            return 0
        marks = ",".join("?" * len(serving))
        return conn.execute(
            f"SELECT COUNT(*) FROM window_state WHERE paused = 0 AND window_number IN ({marks})", serving
        ).fetchone()[0]

    def estimate(self, conn, queue: QueueDef, day: str, ahead: int) -> WaitEstimate:
        open_windows, quartiles = self.inputs(conn, queue, day)
        if open_windows == 0:
            return WaitEstimate(None, None, 0, "none")
        if ahead == 0:
            return WaitEstimate(0, 0, open_windows, "none")
        per_window = ahead / open_windows
        if quartiles is not None:
            q1, q3 = quartiles
            low, high, basis = per_window * q1, per_window * q3, "today"
        else:
            low, high, basis = per_window * queue.norm_service_minutes * 0.7, \
                per_window * queue.norm_service_minutes * 1.3, "norm"
        low_minutes = max(0, math.floor(low))
        high_minutes = max(low_minutes + 1, math.ceil(high))
        return WaitEstimate(low_minutes, high_minutes, open_windows, basis)

    def inputs(self, conn, queue: QueueDef, day: str) -> tuple[int, tuple[float, float] | None]:
        """Open windows and today's service-time quartiles, reused for a few seconds.

        Every ticket needs them and they change slowly; this engine's own pause,
        resume and finish clear them at once, another process's show within
        ESTIMATE_INPUTS_TTL seconds.
        """
        key = (queue.id, day)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        open_windows = self.open_windows(conn, queue.id)
        # The most recent services, taken as the newest tickets among the finished
        # (ORDER BY id walks the index backwards: no sort of the whole day). julianday
        # arithmetic carries float noise, hence the rounding.
        samples = [
            round(row[0], 2) for row in conn.execute(
                "SELECT (julianday(finished_at) - julianday(started_at)) * 1440.0 FROM tickets "
                "WHERE business_day = ? AND queue_id = ? AND status = 'finished' AND started_at IS NOT NULL "
                "ORDER BY id DESC LIMIT ?",
                (day, queue.id, SERVICE_SAMPLE),
            )
        ]
        quartiles = None
        if len(samples) >= MIN_SAMPLES_FOR_QUARTILES:
            q1, _median, q3 = statistics.quantiles(samples, n=4)
            quartiles = (q1, q3)
        self._cache[key] = (now + self.inputs_ttl, open_windows, quartiles)
        return open_windows, quartiles

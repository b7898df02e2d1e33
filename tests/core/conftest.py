from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from devices.base.clock import HALL_TZ, ManualClock
from kiosk.config import load_settings
from kiosk.queueing.engine import QueueEngine
from kiosk.store import Store

FRIDAY_MORNING = dt.datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)


@pytest.fixture
def clock():
    return ManualClock(FRIDAY_MORNING)


@pytest.fixture
def make_engine(tmp_path, clock):
    """make_engine(policy="strict", recall_limit=1, …) -> engine on a fresh hall.db."""
    def make(db_name: str = "hall.db", **policy_changes) -> QueueEngine:
        settings = load_settings()
        if policy_changes:
            settings = dataclasses.replace(settings, policy=dataclasses.replace(settings.policy, **policy_changes))
        return QueueEngine(settings, Store(tmp_path / db_name), clock)

    return make


@pytest.fixture
def engine(make_engine):
    return make_engine()

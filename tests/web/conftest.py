"""The hall server under test: a hall on a fresh data folder at a fixed hall time, its app and clients."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from devices.base.clock import ManualClock, parse_local
from kiosk.config import load_settings
from kiosk.root.hall import open_hall
from kiosk.web.app import create_app
from hall_server import AUDITOR, HALL_TIME, MANAGER, STAFF



@pytest.fixture(autouse=True)
def _cheaper_scrypt(monkeypatch):
    """Hashes at 1/8 of the production cost (2^12, not 2^15): the same code, a faster suite.
    The stored parameters follow, so verification still reads them from the hash."""
    from kiosk.services import accounts

    monkeypatch.setattr(accounts, "SCRYPT_N", 2**12)


@pytest.fixture
def clock():
    return ManualClock(parse_local(HALL_TIME))


@pytest.fixture
def hall(clock):
    hall = open_hall(load_settings(), clock, serve_public_pages=True)
    yield hall
    hall.close()


@pytest.fixture
def app(hall):
    return create_app(hall, poll_seconds=0.05)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_client(app):
    """Another browser on the same server (its own cookies)."""
    clients = []

    def make() -> TestClient:
        c = TestClient(app)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def accounts(hall):
    """A manager (made at the terminal), a window staff member and an auditor (made by the manager)."""
    manager = hall.accounts.create_manager(*MANAGER)
    hall.accounts.create_account(manager, *STAFF, role="window_staff")
    hall.accounts.create_account(manager, *AUDITOR, role="county_auditor")
    return hall.accounts

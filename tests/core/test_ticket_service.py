"""Taking a number through the service every front end uses, while the database is held.

The lock is held by another process (a real second SQLite connection in a child
process, as a backup or a second kiosk would), never by a fake.
"""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
from held_database import hold_write_lock as hold_write_lock_on

from devices.base.clock import ManualClock
from kiosk.config import load_settings
from kiosk.errors import DrawCancelled, StoreBusy
from kiosk.root.hall import open_hall
from tests.core.conftest import FRIDAY_MORNING



@pytest.fixture
def hall(tmp_path):
    hall = open_hall(load_settings(), ManualClock(FRIDAY_MORNING), database=tmp_path / "hall.db")
    yield hall
    hall.close()


def hold_lock(hall, seconds: float) -> subprocess.Popen:
    return hold_write_lock_on(hall.store.path, seconds)


def codes(hall) -> list[str]:
    with hall.store.read() as conn:
        return [row[0] for row in conn.execute("SELECT code FROM tickets ORDER BY id")]


def test_a_draw_waits_out_a_held_database_and_draws_exactly_one_number(hall):
    holder = hold_lock(hall, 2.5)
    waited: list[float] = []
    started = time.monotonic()
    issued = hall.tickets.take_number("A", wait_seconds=10, on_still_waiting=waited.append)
    holder.wait(5)
    assert issued.code == "A001"
    assert time.monotonic() - started >= 2.0  # it really waited for the other process
    assert len(waited) >= 1 and waited == sorted(waited)  # the front end heard it was still waiting
    assert codes(hall) == ["A001"]


def test_a_database_held_past_the_wait_is_a_clear_refusal_and_nothing_is_drawn(hall):
    holder = hold_lock(hall, 3)
    try:
        with pytest.raises(StoreBusy) as refused:
            hall.tickets.take_number("A", wait_seconds=1.0)
        assert refused.value.message_zh == "系统繁忙，请稍后再试"
    finally:
        holder.wait(5)
    assert codes(hall) == []
    assert hall.tickets.take_number("A").code == "A001"  # the first number is still the first


def test_a_citizen_who_leaves_while_waiting_gets_no_number_even_if_the_lock_frees_mid_attempt(hall):
    cancelled = threading.Event()
    holder = hold_lock(hall, 1.5)
    outcome: list[object] = []

    def draw() -> None:
        try:
            outcome.append(hall.tickets.take_number("A", wait_seconds=10, cancelled=cancelled))
        except DrawCancelled as exc:
            outcome.append(exc)

    worker = threading.Thread(target=draw)
    worker.start()
    time.sleep(0.4)
    cancelled.set()  # WHEN the citizen walks away while an attempt is waiting for the lock
    worker.join(10)
    holder.wait(5)
    # THEN the attempt that got the lock (or the next one) draws nothing
    assert len(outcome) == 1 and isinstance(outcome[0], DrawCancelled)
    assert codes(hall) == []


def test_the_engine_asks_whether_the_number_is_still_wanted_once_it_holds_the_lock(hall):
    asked = []

    def still_wanted() -> bool:
        asked.append(hall.store.conn.in_transaction)
        return False

    with pytest.raises(DrawCancelled):
        hall.engine.issue("A", still_wanted=still_wanted)
    assert asked == [True]  # inside the write transaction, so nobody can draw in between
    assert codes(hall) == []


def test_qr_links_are_given_only_while_something_serves_them(hall):
    from kiosk.services.links import PublicLinks

    issued = hall.tickets.take_number("A")
    # Nothing serves the hall's public pages yet: no link, so no QR on paper or screen.
    assert hall.links.ticket(issued.ticket.id) == "" and hall.links.guide("dibao") == ""
    served = PublicLinks("http://hall.local:8080/", hall.engine.holder_key, served=True)
    link = served.ticket(issued.ticket.id)
    token = link.rsplit("/t/", 1)[1]
    # The link names the ticket but cannot be guessed from its neighbours' links.
    assert link.startswith("http://hall.local:8080/t/") and token != str(issued.ticket.id)
    assert hall.engine.holder_key.ticket_id_from_link(token) == issued.ticket.id
    assert served.guide("dibao") == "http://hall.local:8080/guides/dibao"

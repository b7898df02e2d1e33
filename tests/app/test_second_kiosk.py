"""A second kiosk in the hall: the real Kivy app configured with `[server] hall_url`, taking
numbers from a real hall server (`kiosk serve` in its own process, real SQLite) instead
of a database of its own; what the citizen sees when the hall box is away, and after."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from hall_server import ServedHall

from kiosk import texts_zh as core_zh

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def hall_box(tmp_path):
    hall = ServedHall(tmp_path).start()
    yield hall
    hall.stop()


@pytest.fixture
def second_kiosk(start_kiosk, hall_settings, hall_box):
    settings = dataclasses.replace(hall_settings, server=dataclasses.replace(hall_settings.server,
                                                                             hall_url=hall_box.url))
    object.__setattr__(settings, "source", hall_settings.source)
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    token_file = settings.data_dir / "device.token"
    token_file.write_text(hall_box.token + "\n")
    token_file.chmod(0o600)
    return start_kiosk(settings=settings)


def _waiting_on_the_hall_box(hall_box, queue: str = "A") -> int:
    return next(q for q in hall_box.get("/api/kiosk/overview").json()["queues"] if q["queue_id"] == queue)["waiting"]


def test_a_second_kiosk_takes_numbers_from_the_hall_server_and_says_so_when_it_is_away(second_kiosk, hall_box, ui):
    kiosk = second_kiosk
    # GIVEN somebody already took a number at the hall box
    httpx.post(f"{hall_box.url}/api/kiosk/tickets", json={"queue": "A"},
               headers={"Authorization": f"Bearer {hall_box.token}"}, timeout=10).raise_for_status()
    # THEN the second kiosk offers no drop-off (it stays with the hall box)
    assert not kiosk.screen("home").dropoff_shown and not kiosk.app.settings.dropoff.enabled

    # WHEN a citizen takes a number on the second kiosk
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    queue_screen = kiosk.screen("queue")
    # THEN the queue screen counts the hall's waiting citizens, from the hall server
    ui.wait_until(lambda: "现在1人在等" in queue_screen.queue_button("A").text, 10, "the hall's waiting count")
    ui.tap(queue_screen.queue_button("A"))
    ui.wait_until(lambda: kiosk.current == "ticket", 15, "the ticket screen")
    ticket = kiosk.screen("ticket")
    # THEN the hall's next number is shown and printed, with the QR of its page on the hall server
    assert ticket.code == "A002"
    assert _waiting_on_the_hall_box(hall_box) == 2
    assert kiosk.ticket_rows() == []  # this kiosk's own database drew nothing
    assert kiosk.printer.wait_for_jobs(1, timeout=10)
    assert b"A002" in kiosk.printer.jobs[0]
    assert f"{hall_box.url}/t/".encode() in kiosk.printer.jobs[0]
    ui.tap(ticket.ids.done)

    # WHEN the hall box is away and the next citizen taps a queue
    hall_box.stop()
    ui.tap(kiosk.screen("home").ids.take_number)
    ui.tap(kiosk.screen("card").ids.skip_card)
    ui.tap(kiosk.screen("queue").queue_button("A"))
    # THEN the screen says so, and no number was made up
    ui.wait_until(lambda: kiosk.screen("queue").problem == core_zh.HALL_UNAVAILABLE, 20, "服务暂不可用")
    assert kiosk.current == "queue" and kiosk.app.session.ticket is None
    assert [(a.source, a.code) for a in kiosk.runtime.alerts.open_alerts()] == [("hall_link", "unreachable")]

    # WHEN the hall box is back, THEN the next tap gets the next number
    hall_box.start()
    ui.tap(kiosk.screen("queue").queue_button("A"))
    ui.wait_until(lambda: kiosk.current == "ticket", 15, "the ticket screen once the hall box is back")
    assert kiosk.screen("ticket").code == "A003"
    assert _waiting_on_the_hall_box(hall_box) == 3
    assert kiosk.runtime.alerts.open_alerts() == []

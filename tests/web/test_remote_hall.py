"""The second kiosk's ticket service against a real hall server (`kiosk serve`, its own process).

GIVEN the hall box's server on a free port with a device added, and the second kiosk's
RemoteTicketService over it: a number drawn there is the hall's number; an answer lost
after the server drew the number is asked again with the same key and gives the same
number, not a second one; a server that is away gives 服务暂不可用，请到窗口取号 and no
number, and the next tap once it is back works.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from hall_server import ServedHall

from devices.base.clock import SystemClock
from kiosk.config import load_settings
from kiosk.services.remote_hall import HallLink, HallUnavailable, RemoteTicketService

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


class LoseFirstAnswer(httpx.BaseTransport):
    """The network drops the answer to the first POST after the server has handled it."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and not self.lost:
            response.read()
            response.close()
            self.lost += 1
            raise httpx.ReadTimeout("the answer was lost on the way", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def served(tmp_path):
    hall = ServedHall(tmp_path).start()
    yield hall
    hall.stop()


def _service(hall: ServedHall, transport=None) -> RemoteTicketService:
    settings = load_settings(hall.config)
    settings = dataclasses.replace(settings, server=dataclasses.replace(settings.server, hall_url=hall.url))
    return RemoteTicketService(settings, SystemClock(), HallLink(hall.url, hall.token, transport=transport))


def _waiting(hall: ServedHall, queue: str = "A") -> int:
    return next(q for q in hall.get("/api/kiosk/overview").json()["queues"] if q["queue_id"] == queue)["waiting"]


def test_an_answer_lost_after_the_number_was_drawn_is_retried_into_the_same_number(served):
    transport = LoseFirstAnswer()
    service = _service(served, transport)
    try:
        issued = service.take_number("A")
    finally:
        service.link.stop()
    assert transport.lost == 1
    assert issued.code == "A001" and issued.replayed
    assert issued.link.startswith(f"{served.url}/t/")
    assert _waiting(served) == 1  # one number in the hall, not two


def test_a_hall_server_that_is_away_gives_no_number_and_the_next_tap_after_it_is_back_works(served):
    service = _service(served)
    try:
        assert service.take_number("A").code == "A001"
        assert [q.waiting for q in service.overview().queues if q.queue_id == "A"] == [1]
        served.stop()
        with pytest.raises(HallUnavailable) as refused:
            service.take_number("A", wait_seconds=1.0)
        assert refused.value.message_zh == "服务暂不可用，请到窗口取号"
        assert service.link.available is False
        with pytest.raises(HallUnavailable):
            service.overview()
        served.start()
        assert service.take_number("A").code == "A002"
        assert service.link.available is True
    finally:
        service.link.stop()
    assert _waiting(served) == 2


def test_the_refusals_of_the_hall_come_with_its_own_words(served):
    service = _service(served)
    try:
        with pytest.raises(Exception) as refused:
            service.take_number("Z")
    finally:
        service.link.stop()
    assert refused.value.code == "unknown_queue" and refused.value.message_zh == "没有这个业务，请重新选择"
    assert service.link.available is True


def test_the_device_token_is_found_like_the_dropoff_key_and_never_echoed(tmp_path, monkeypatch):
    from devices.base.errors import ConfigError
    from kiosk.services.remote_hall import find_device_token

    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    # GIVEN no token anywhere THEN the error names where it looked and what to run
    with pytest.raises(ConfigError) as missing:
        find_device_token(tmp_path)
    assert "device.token" in missing.value.message_en and "kiosk device add" in missing.value.message_en
    # GIVEN a file that holds something else THEN it is refused without repeating it
    (tmp_path / "device.token").write_text("secret-but-not-a-token\n")
    with pytest.raises(ConfigError) as wrong:
        find_device_token(tmp_path)
    assert "secret-but-not-a-token" not in wrong.value.message_en
    # GIVEN the data folder's file and a systemd credential THEN the credential wins
    token = "qxk_" + "a" * 43
    (tmp_path / "device.token").write_text(token + "\n")
    assert find_device_token(tmp_path) == token
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "qinxin-device-token").write_text("qxk_" + "b" * 43)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert find_device_token(tmp_path) == "qxk_" + "b" * 43


def test_the_second_kiosk_shows_the_hall_boxs_lunch_break_wording_word_for_word():
    """A call expected after lunch: the text the second kiosk rebuilds from the API's answer is
    the hall box's own (not a bare minute range across the break)."""
    import datetime as dt

    from kiosk.queueing.models import IssuedTicket, Ticket, WaitEstimate
    from kiosk.services.remote_hall import _issued

    issued_at = dt.datetime(2026, 11, 27, 11, 40, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    ticket = Ticket(7, "A", "2026-11-27", 31, "A031", "normal", "waiting", "kiosk", issued_at, issued_at,
                    None, None, None, None, 0, None, None)
    for estimate in (WaitEstimate(170, 195, 2, "today", after_break="14:30", low_at="14:30", high_at="14:55"),
                     WaitEstimate(20, 45, 2, "today", break_resume_at="14:30"),
                     WaitEstimate(300, 340, 1, "norm", past_closing=True)):
        local = IssuedTicket(ticket, "综合受理", 14, estimate)
        remote = _issued({**local.as_dict(), "link": "", "replayed": False})
        assert remote.estimate.text_zh == local.estimate.text_zh
        assert remote.estimate == local.estimate

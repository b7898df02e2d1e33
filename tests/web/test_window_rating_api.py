"""The window tablet's API: who may ask and rate (a device token, or a counter session), and what."""

from __future__ import annotations

from hall_server import AUDITOR, STAFF, csrf, login, post

URL = "/api/kiosk/windows/1/rating"


def _finish_at_window_1(hall):
    issued = hall.tickets.take_number("A")
    hall.engine.call_next(1, actor="staff:zhaomin")
    hall.engine.finish(1, actor="staff:zhaomin")
    return issued.ticket


def test_a_device_token_sees_the_finished_ticket_and_rates_it_with_channel_window(client, hall):
    _device, token = hall.kiosk_devices.add("window-1-pad")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(URL, headers=bearer).json() == {"window": 1, "ticket": None}
    ticket = _finish_at_window_1(hall)
    assert client.get(URL, headers=bearer).json() == {"window": 1, "ticket": {"code": ticket.code}}
    refused = client.post(URL, json={"code": ticket.code, "level": 1}, headers=bearer)
    assert refused.status_code == 422 and "原因" in refused.json()["message_zh"]
    rated = client.post(URL, json={"code": ticket.code, "level": 1, "reasons": ["attitude"]}, headers=bearer)
    assert rated.status_code == 201, rated.text
    [stored] = hall.ratings.ratings("2026-11-27", "2026-11-27")
    assert (stored.ticket_id, stored.level, stored.channel, stored.reasons) == (ticket.id, 1, "window", ("attitude",))
    assert client.get(URL, headers=bearer).json()["ticket"] is None
    again = client.post(URL, json={"code": ticket.code, "level": 5}, headers=bearer)
    assert again.status_code == 409 and "已经评价过了" in again.json()["message_zh"]
    assert client.get("/api/kiosk/windows/99/rating", headers=bearer).status_code == 404


def test_without_a_token_or_a_counter_session_the_tablet_is_refused(client, make_client, hall, accounts):
    ticket = _finish_at_window_1(hall)
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "Bearer qxk_forged"}).status_code == 401
    assert post(client, URL, {"code": ticket.code, "level": 5}).status_code == 401
    auditor = make_client()
    login(auditor, AUDITOR)
    assert auditor.get(URL).status_code == 403  # may not work a counter
    clerk = make_client()
    login(clerk, STAFF)
    assert clerk.get(URL).json()["ticket"] == {"code": ticket.code}
    assert clerk.post(URL, json={"code": ticket.code, "level": 5}).status_code == 403  # no CSRF header
    assert clerk.post(URL, json={"code": ticket.code, "level": 5}, headers=csrf(clerk)).status_code == 201
    assert hall.ratings.ratings("2026-11-27", "2026-11-27")[0].channel == "window"

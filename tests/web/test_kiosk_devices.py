"""Kiosk devices take numbers through the hall server with a device token.

GIVEN a hall at 09:30 with a device added at the terminal, WHEN a request comes to
POST /api/kiosk/tickets with or without its token, THEN only the active device's
token draws a number; cookies and CSRF headers count for nothing there.
"""

from __future__ import annotations

import json

from hall_server import STAFF, csrf, login

from kiosk.cli import main

TAKE = "/api/kiosk/tickets"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_device_token_takes_a_number(client, hall):
    device, token = hall.kiosk_devices.add("kiosk-2")
    response = client.post(TAKE, json={"queue": "A"}, headers=bearer(token))
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["code"] == "A001" and issued["queue"] == "A" and issued["people_ahead"] == 0
    assert issued["link"].startswith(hall.links.base + "/t/")
    ticket = hall.engine.ticket("A001")
    assert ticket.channel == "kiosk:kiosk-2" and ticket.id == issued["ticket_id"]
    assert client.post(TAKE, json={"queue": "A", "priority": "elderly"}, headers=bearer(token)).json()["code"] == "A002"
    assert token not in {row[0] for row in hall.store.read().__enter__().execute("SELECT token_hash FROM kiosk_devices")}


def test_no_token_or_a_wrong_one_is_refused(client, hall):
    _device, token = hall.kiosk_devices.add("kiosk-2")
    assert client.post(TAKE, json={"queue": "A"}).status_code == 403  # neither a token nor CSRF
    wrong = client.post(TAKE, json={"queue": "A"}, headers=bearer(token[:-2] + "xx"))
    assert wrong.status_code == 401 and wrong.json()["message_zh"] == "本设备未登记或已停用，请联系大厅管理员"
    assert client.post(TAKE, json={"queue": "A"}, headers=bearer("")).status_code in (401, 403)
    assert client.post(TAKE, json={"queue": "A"}, headers={"Authorization": token}).status_code == 403
    assert hall.engine.tickets() == []


def test_a_staff_session_is_no_device(client, hall, accounts):
    login(client, STAFF)
    assert client.post(TAKE, json={"queue": "A"}).status_code == 403  # cookie without CSRF
    assert client.post(TAKE, json={"queue": "A"}, headers=csrf(client)).status_code == 401  # and with it
    assert hall.engine.tickets() == []


def test_a_disabled_device_is_refused_and_enabled_again(client, hall):
    _device, token = hall.kiosk_devices.add("kiosk-2")
    hall.kiosk_devices.set_active("kiosk-2", False)
    assert client.post(TAKE, json={"queue": "A"}, headers=bearer(token)).status_code == 401
    hall.kiosk_devices.set_active("kiosk-2", True)
    assert client.post(TAKE, json={"queue": "A"}, headers=bearer(token)).status_code == 201
    actions = [entry["action"] for entry in hall.accounts.audit()]
    assert actions[:3] == ["device_enabled", "device_disabled", "device_added"]


def test_the_services_refusals_reach_the_device(client, hall):
    _device, token = hall.kiosk_devices.add("kiosk-2")
    unknown = client.post(TAKE, json={"queue": "Z"}, headers=bearer(token))
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_queue"
    assert client.post(TAKE, json={"queue": "A", "priority": "vip"}, headers=bearer(token)).status_code == 400
    assert client.post(TAKE, json={}, headers=bearer(token)).status_code == 422


def test_kiosk_device_commands(capsys):
    assert main(["device", "add", "kiosk-2", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["device"]["name"] == "kiosk-2" and added["token"].startswith("qxk_")
    assert main(["device", "add", "kiosk-2"]) == 1
    assert main(["device", "disable", "kiosk-2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["device"]["active"] is False
    assert main(["device", "list", "--json"]) == 0
    assert [d["name"] for d in json.loads(capsys.readouterr().out)["devices"]] == ["kiosk-2"]


def test_a_repeated_request_with_the_same_idempotency_key_gets_the_same_number(client, hall):
    # GIVEN a second kiosk whose first request's answer was lost (a timeout after the number was drawn)
    _device, token = hall.kiosk_devices.add("kiosk-2")
    tap = {**bearer(token), "Idempotency-Key": "tap-0001-abcdef"}
    first = client.post(TAKE, json={"queue": "A"}, headers=tap)
    # WHEN it sends the same request again with the same key
    again = client.post(TAKE, json={"queue": "A"}, headers=tap)
    # THEN it gets the same ticket back, and the hall has drawn one number
    assert first.status_code == again.status_code == 201
    assert (first.json()["code"], again.json()["code"]) == ("A001", "A001")
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert again.json()["ticket_id"] == first.json()["ticket_id"]
    assert [t.code for t in hall.engine.tickets()] == ["A001"]
    # AND the next tap (a new key) draws the next number; another device's same key is its own
    assert client.post(TAKE, json={"queue": "A"}, headers={**bearer(token), "Idempotency-Key": "tap-0002-abcdef"}
                       ).json()["code"] == "A002"
    _other, other_token = hall.kiosk_devices.add("kiosk-3")
    assert client.post(TAKE, json={"queue": "A"}, headers={**bearer(other_token), "Idempotency-Key": "tap-0001-abcdef"}
                       ).json()["code"] == "A003"
    assert client.post(TAKE, json={"queue": "A"}, headers={**bearer(token), "Idempotency-Key": "bad key!"}
                       ).status_code == 422


def test_a_device_reads_the_hall_overview_its_screens_show(client, hall):
    _device, token = hall.kiosk_devices.add("kiosk-2")
    assert client.get("/api/kiosk/overview").status_code == 401
    client.post(TAKE, json={"queue": "A"}, headers=bearer(token))
    hall.engine.call_next(1)
    client.post(TAKE, json={"queue": "A"}, headers=bearer(token))
    overview = client.get("/api/kiosk/overview", headers=bearer(token))
    assert overview.status_code == 200, overview.text
    queues = {q["queue_id"]: q for q in overview.json()["queues"]}
    assert queues["A"]["waiting"] == 1 and queues["A"]["issued"] == 2 and queues["A"]["last_code"] == "A002"
    window = next(w for w in overview.json()["windows"] if w["number"] == 1)
    assert window["current"]["code"] == "A001" and window["current"]["status"] == "called"

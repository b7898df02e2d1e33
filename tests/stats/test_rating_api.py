"""The rating form on a ticket's phone page (/t/<token>) and POST /api/tickets/{token}/rating."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from kiosk.web.app import create_app
from stats_day import at

STAFF = "staff:zhaomin"


@pytest.fixture
def client(hall):
    with TestClient(create_app(hall, poll_seconds=0.05)) as client:
        yield client


def csrf(client) -> dict:
    if not client.cookies.get("qx_csrf"):
        client.get("/")
    return {"X-CSRF-Token": client.cookies.get("qx_csrf")}


def token_of(hall, ticket_id: int) -> str:
    return hall.engine.holder_key.ticket_link_token(ticket_id)


def finished_ticket(hall, clock) -> int:
    issued = hall.tickets.take_number("A")
    clock.advance(minutes=4)
    hall.engine.call_next(1, actor=STAFF)
    clock.advance(minutes=9)
    hall.engine.finish(1, actor=STAFF)
    return issued.ticket.id


def rate(client, token, body):
    return client.post(f"/api/tickets/{token}/rating", json=body, headers=csrf(client))


def test_the_page_of_a_finished_ticket_offers_the_form_and_a_waiting_one_does_not(hall, clock, client):
    waiting = hall.tickets.take_number("B").ticket.id
    page = client.get(f"/t/{token_of(hall, waiting)}")
    assert page.status_code == 200
    assert '<section class="card rating" id="rating" hidden' in page.text
    assert client.get(f"/api/tickets/{token_of(hall, waiting)}").json()["rating"] == {
        "can_rate": False, "reason_zh": "办结后可以评价", "rated": False, "level": None, "level_zh": None}
    done = finished_ticket(hall, clock)
    page = client.get(f"/t/{token_of(hall, done)}")
    assert '<section class="card rating" id="rating" >' in page.text
    for name in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "排队等候时间太长"):
        assert name in page.text
    assert client.get(f"/api/tickets/{token_of(hall, done)}").json()["rating"]["can_rate"] is True


def test_a_rating_is_taken_once_and_a_bad_one_needs_a_reason(hall, clock, client):
    token = token_of(hall, finished_ticket(hall, clock))
    refused = rate(client, token, {"level": 2})
    assert refused.status_code == 422 and "原因" in refused.json()["message_zh"]
    answer = rate(client, token, {"level": 2, "reasons": ["wait_long"], "comment": "等了很久"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["rating"] == {"level": 2, "level_zh": "不满意", "followup": "open"}
    assert "跟进" in answer.json()["message_zh"]
    again = rate(client, token, {"level": 5})
    assert again.status_code == 409 and "已经评价" in again.json()["message_zh"]
    state = client.get(f"/api/tickets/{token}").json()["rating"]
    assert (state["can_rate"], state["rated"], state["level_zh"]) == (False, True, "不满意")
    assert "您的评价：不满意" in client.get(f"/t/{token}").text
    assert [r.comment for r in hall.ratings.open_followups()] == ["等了很久"]


def test_without_the_csrf_header_nothing_is_recorded(hall, clock, client):
    token = token_of(hall, finished_ticket(hall, clock))
    client.get("/")
    answer = client.post(f"/api/tickets/{token}/rating", json={"level": 5})
    assert answer.status_code == 403
    forged = client.post(f"/api/tickets/{token}/rating", json={"level": 5},
                         headers={"X-CSRF-Token": "not-the-cookie"})
    assert forged.status_code == 403
    assert hall.ratings.ticket_state(int(token.split("-")[0])).can_rate


def test_forged_tokens_unfinished_tickets_bad_levels_and_the_next_day(hall, clock, client):
    done = finished_ticket(hall, clock)
    forged = f"{done}-aaaaaaaaaaaa"
    assert rate(client, forged, {"level": 5}).status_code == 404
    waiting = hall.tickets.take_number("A").ticket.id
    not_finished = rate(client, token_of(hall, waiting), {"level": 5})
    assert not_finished.status_code == 409 and "办结" in not_finished.json()["message_zh"]
    assert rate(client, token_of(hall, done), {"level": 7}).status_code == 422
    assert rate(client, token_of(hall, done), {"level": 5, "reasons": ["nonsense"]}).status_code == 422
    clock.set(at(9, 0, day=dt.date(2026, 11, 28)))
    late = rate(client, token_of(hall, done), {"level": 5})
    assert late.status_code == 409 and "当天" in late.json()["message_zh"]
    assert hall.ratings.ratings("2026-11-01", "2026-11-30") == []

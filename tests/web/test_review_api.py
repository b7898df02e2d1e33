"""The review routes: open alerts, the 差评 follow-up and the drop-off inbox, for each role.

GIVEN the hall at 09:30 on a Friday with a manager, a window clerk and a county auditor,
WHEN each of them (and a browser without a session, or without the CSRF header) asks,
THEN managers handle 差评 and the auditor only reads them, clerks see no 差评; clerks and
managers review drop-offs and see their pages (JPEG, no-store), the auditor reads the
list and trail with the holder masked and sees no page; every action names its staff.
"""

from __future__ import annotations

import pytest
from hall_server import AUDITOR, MANAGER, STAFF, login, post

from devices.base.clock import parse_local


@pytest.fixture
def as_role(make_client, accounts):
    def make(who):
        browser = make_client()
        assert login(browser, who).status_code == 200
        return browser
    return make


@pytest.fixture
def bad_rating(hall, clock):
    hall.tickets.take_number("A")
    hall.engine.call_next(1, actor="staff:zhaomin")
    hall.engine.finish(1, actor="staff:zhaomin")
    ticket = hall.engine.tickets()[0]
    return ticket, hall.ratings.rate_ticket(ticket.id, 1, ["attitude", "other"], "态度很差，问了三遍")


@pytest.fixture
def dropoff(hall):
    from dropoff_drafts import fill_draft, page_jpegs

    return hall.dropoff.submit(fill_draft(hall.dropoff, page_jpegs()))


# -- alerts --------------------------------------------------------------------------------------
def test_every_role_sees_the_open_threshold_alerts(client, as_role, hall, clock):
    assert client.get("/api/alerts").status_code == 401
    hall.tickets.take_number("B")
    clock.set(parse_local("2026-11-27T10:15"))
    hall.thresholds.check_live()
    for who in (STAFF, MANAGER, AUDITOR):
        [alert] = as_role(who).get("/api/alerts").json()["alerts"]
        assert (alert["source"], alert["code"]) == ("stats_live", "waiting_now")
        assert "B001号（45分钟）" in alert["message_zh"]


# -- the 差评 follow-up ----------------------------------------------------------------------------
def test_the_manager_handles_a_followup_the_auditor_reads_it_and_clerks_see_none(client, as_role, hall, bad_rating):
    ticket, rating = bad_rating
    assert client.get("/api/ratings/followups").status_code == 401
    clerk, auditor, manager = as_role(STAFF), as_role(AUDITOR), as_role(MANAGER)
    assert clerk.get("/api/ratings/followups").status_code == 403
    assert post(clerk, f"/api/ratings/{rating.id}/followup", {"note": "我来处理"}).status_code == 403

    listed = auditor.get("/api/ratings/followups").json()
    assert listed["may_handle"] is False
    [item] = listed["followups"]
    assert (item["subject_code"], item["window_number"], item["staff"], item["level_zh"]) == (
        ticket.code, 1, "zhaomin", "非常不满意")
    assert item["reasons_zh"] == ["工作人员态度不好", "其他（请写明）"] and item["comment"] == "态度很差，问了三遍"
    assert post(auditor, f"/api/ratings/{rating.id}/followup", {"note": "看过"}).status_code == 403

    assert manager.get("/api/ratings/followups").json()["may_handle"] is True
    # Without the CSRF header, or with an empty note, nothing happens.
    assert manager.post(f"/api/ratings/{rating.id}/followup", json={"note": "x"}).status_code == 403
    assert post(manager, f"/api/ratings/{rating.id}/followup", {"note": "   "}).status_code == 422
    assert post(manager, "/api/ratings/999/followup", {"note": "x"}).status_code == 404
    done = post(manager, f"/api/ratings/{rating.id}/followup", {"note": "已电话回访，当面致歉"})
    assert done.status_code == 200
    assert done.json()["followup"] | {"handled_at": None} == item | {
        "followup": "handled", "followup_zh": "已处理", "handled_by": "wangli", "handled_note": "已电话回访，当面致歉",
        "handled_at": None}
    assert hall.ratings.audit(rating.id)[-1]["actor"] == "staff:wangli"
    again = post(manager, f"/api/ratings/{rating.id}/followup", {"note": "再次"})
    assert again.status_code == 409 and again.json()["message_zh"] == "这条评价没有待处理的回访"
    assert manager.get("/api/ratings/followups").json()["followups"] == []
    [handled] = auditor.get("/api/ratings/followups?state=handled").json()["followups"]
    assert handled["handled_note"] == "已电话回访，当面致歉"


def test_the_followup_page_is_for_managers_and_auditors(as_role, client, bad_rating):
    assert client.get("/staff/followups", follow_redirects=False).status_code == 303
    assert as_role(STAFF).get("/staff/followups").status_code == 403
    manager_page = as_role(MANAGER).get("/staff/followups")
    assert manager_page.status_code == 200 and "差评回访" in manager_page.text
    assert 'data-may-handle="yes"' in manager_page.text
    assert 'data-may-handle="no"' in as_role(AUDITOR).get("/staff/followups").text


# -- the drop-off inbox --------------------------------------------------------------------------
def test_clerks_review_a_dropoff_and_see_its_pages(client, as_role, hall, dropoff, data_dir):
    from dropoff_drafts import ID_NUMBER, NAME, PHONE, page_jpegs

    for path in ("/api/dropoffs", f"/api/dropoffs/{dropoff.code}", f"/api/dropoffs/{dropoff.code}/pages/1.jpg"):
        assert client.get(path).status_code == 401, path
    assert client.get("/staff/dropoffs", follow_redirects=False).status_code == 303
    clerk = as_role(STAFF)
    inbox = clerk.get("/api/dropoffs").json()
    assert inbox["may_review"] is True
    [item] = inbox["dropoffs"]
    assert (item["code"], item["status"], item["page_count"], item["masked_name"]) == (
        dropoff.code, "submitted", 5, dropoff.masked_name)
    assert NAME not in str(inbox) and ID_NUMBER[-4:] not in str(inbox) and PHONE not in str(inbox)

    shown = clerk.get(f"/api/dropoffs/{dropoff.code.lower()}").json()["dropoff"]
    assert (shown["holder_name"], shown["phone"], len(shown["pages"])) == (NAME, PHONE, 5)
    page = clerk.get(f"/api/dropoffs/{dropoff.code}/pages/2.jpg")
    assert page.status_code == 200 and page.headers["content-type"] == "image/jpeg"
    assert page.headers["cache-control"].startswith("no-store")
    assert page.content == page_jpegs()[1][0]
    assert clerk.get(f"/api/dropoffs/{dropoff.code}/pages/6.jpg").status_code == 404
    assert clerk.get("/api/dropoffs/NOSUCHCODE").status_code == 404
    # The page was decrypted in memory only: no file under the data folder holds it in clear.
    head = page.content[:4096]
    assert not any(head in f.read_bytes() for f in data_dir.rglob("*") if f.is_file())

    assert clerk.post(f"/api/dropoffs/{dropoff.code}/accept").status_code == 403  # no CSRF header
    accepted = post(clerk, f"/api/dropoffs/{dropoff.code}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["dropoff"]["case_number"] == "QX202611270001"
    assert post(clerk, f"/api/dropoffs/{dropoff.code}/accept").status_code == 409
    assert post(clerk, f"/api/dropoffs/{dropoff.code}/ready").json()["dropoff"]["status"] == "ready"
    closed = post(clerk, f"/api/dropoffs/{dropoff.code}/collected").json()["dropoff"]
    assert closed["status"] == "collected"
    actions = [(a["action"], a["actor"]) for a in closed["audit"]]
    assert ("accepted", "staff:zhaomin") in actions and ("collected", "staff:zhaomin") in actions
    assert ("viewed", "staff:zhaomin") in actions
    assert clerk.get("/api/dropoffs").json()["dropoffs"] == []
    assert [d["code"] for d in clerk.get("/api/dropoffs?status=all").json()["dropoffs"]] == [dropoff.code]


def test_correction_and_rejection_take_their_reasons(as_role, hall, dropoff):
    from dropoff_drafts import fill_draft, page_jpegs

    manager = as_role(MANAGER)
    assert post(manager, f"/api/dropoffs/{dropoff.code}/correction", {"reasons": ["bogus"]}).status_code == 422
    assert post(manager, f"/api/dropoffs/{dropoff.code}/correction", {}).status_code == 409  # no reason at all
    asked = post(manager, f"/api/dropoffs/{dropoff.code}/correction",
                 {"reasons": ["unclear", "missing"], "text": "请补拍户口本首页"}).json()["dropoff"]
    assert asked["status"] == "correction" and asked["status_note"].startswith("照片看不清；材料不全；请补拍户口本首页。请在")
    assert [d["status"] for d in manager.get("/api/dropoffs?status=open").json()["dropoffs"]] == ["correction"]

    other = hall.dropoff.submit(fill_draft(hall.dropoff, page_jpegs()))
    assert post(manager, f"/api/dropoffs/{other.code}/reject", {"reason": " "}).status_code == 422
    rejected = post(manager, f"/api/dropoffs/{other.code}/reject", {"reason": "本事项须本人到窗口办理"})
    assert rejected.json()["dropoff"]["status"] == "rejected"
    assert post(manager, f"/api/dropoffs/{other.code}/ready").status_code == 409


def test_the_auditor_reads_the_inbox_masked_and_sees_no_page(as_role, hall, dropoff):
    from dropoff_drafts import NAME, PHONE

    auditor = as_role(AUDITOR)
    listed = auditor.get("/api/dropoffs").json()
    assert listed["may_review"] is False and len(listed["dropoffs"]) == 1
    shown = auditor.get(f"/api/dropoffs/{dropoff.code}").json()["dropoff"]
    assert shown["holder_name"] == dropoff.masked_name and NAME not in str(shown) and PHONE not in str(shown)
    assert ("viewed", "staff:county") in [(a["action"], a["actor"]) for a in shown["audit"]]
    assert auditor.get(f"/api/dropoffs/{dropoff.code}/pages/1.jpg").status_code == 403
    for action in ("accept", "ready", "collected"):
        assert post(auditor, f"/api/dropoffs/{dropoff.code}/{action}").status_code == 403
    assert post(auditor, f"/api/dropoffs/{dropoff.code}/reject", {"reason": "x"}).status_code == 403
    assert hall.dropoff.list()[0].status == "submitted"
    page = auditor.get("/staff/dropoffs")
    assert page.status_code == 200 and 'data-may-review="no"' in page.text


def test_the_server_runs_its_background_services_while_it_serves(hall):
    from fastapi.testclient import TestClient

    from kiosk.web.app import create_app

    class Recorder:
        def __init__(self):
            self.calls = []

        def start(self):
            self.calls.append("start")

        def stop(self):
            self.calls.append("stop")

    watch = Recorder()
    app = create_app(hall, poll_seconds=0.05, background=(watch,))
    assert watch.calls == []
    with TestClient(app) as browser:
        assert browser.get("/api/health").status_code == 200
        assert watch.calls == ["start"]
    assert watch.calls == ["start", "stop"]

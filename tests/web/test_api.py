"""The hall server's API: every counter operation and role, sessions, CSRF, lockout, public pages.

GIVEN a hall on a fresh data folder at 09:30 on a working day, WHEN a browser (FastAPI's
TestClient) does X, THEN Y.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hall_server import AUDITOR, MANAGER, STAFF, csrf, login, post

from kiosk.services import accounts as accounts_module


# -- starting ---------------------------------------------------------------------------------
def test_the_server_starts_on_an_empty_data_folder_and_publishes_its_openapi(client, hall):
    assert client.get("/").status_code == 200
    schema = client.get("/openapi.json").json()
    for path in ("/api/login", "/api/windows/{window}/{action}", "/api/board", "/api/live", "/api/accounts",
                 "/api/tickets/{token}", "/api/dropoff/progress"):
        assert path in schema["paths"], path
    assert client.get("/docs").status_code == 404  # Swagger UI would load code from a CDN


def test_without_a_manager_the_login_page_says_how_to_create_one(client):
    page = client.get("/staff")
    assert page.status_code == 200
    assert "请先在本机终端用 kiosk account create-manager 创建管理员账号" in page.text
    refused = login(client, MANAGER)
    assert refused.status_code == 409 and "create-manager" in refused.json()["message_zh"]


def test_pages_load_nothing_from_another_site(client, accounts):
    login(client, MANAGER)
    for path in ("/", "/staff", "/staff/accounts", "/staff/followups", "/staff/dropoffs", "/display", "/d"):
        text = client.get(path).text
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path


# -- CSRF and sessions ---------------------------------------------------------------------------
def test_a_state_changing_request_without_the_csrf_header_is_refused(client, accounts, hall):
    no_header = client.post("/api/login", json={"username": MANAGER[0], "password": MANAGER[1]})
    assert no_header.status_code == 403
    assert login(client, STAFF).status_code == 200
    hall.tickets.take_number("A")
    assert client.post("/api/windows/1/call").status_code == 403
    wrong = client.post("/api/windows/1/call", headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403
    assert hall.engine.windows()[0].current is None


def test_a_planted_csrf_cookie_does_not_pass_for_a_logged_in_session(client, accounts, hall):
    """Header equal to a cookie a neighbour set is not enough: it must be the session's own token."""
    login(client, STAFF)
    hall.tickets.take_number("A")
    client.cookies.set("qx_csrf", "planted")
    response = client.post("/api/windows/1/call", headers={"X-CSRF-Token": "planted"})
    assert response.status_code == 403
    assert response.json()["message_zh"] == "页面已过期，请刷新页面后再操作"


def test_the_session_cookie_is_httponly_and_samesite_strict(client, accounts, hall):
    response = login(client, STAFF)
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("qx_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/" in session
    token = client.cookies.get("qx_session")
    stored = [row for row in hall.store.read().__enter__().execute("SELECT token_hash FROM staff_sessions")]
    assert token not in {row[0] for row in stored}  # kept only hashed


def test_no_session_means_401_and_logout_ends_the_session(client, accounts):
    assert client.get("/api/counter").status_code == 401
    login(client, STAFF)
    assert client.get("/api/counter").status_code == 200
    assert post(client, "/api/logout").status_code == 200
    assert client.get("/api/counter").status_code == 401


def test_a_session_expires_after_the_configured_hours(client, accounts, clock, hall):
    login(client, STAFF)
    clock.advance(hours=hall.settings.server.session_hours, minutes=1)
    assert client.get("/api/counter").status_code == 401


# -- lockout ------------------------------------------------------------------------------------
def test_wrong_passwords_lock_the_account_across_a_restart(client, accounts, hall, clock):
    for attempt in range(accounts_module.FREE_TRIES - 1):
        assert login(client, (STAFF[0], "wrong-password")).status_code == 401
    locked = login(client, (STAFF[0], "wrong-password"))
    assert locked.status_code == 423 and "锁定" in locked.json()["message_zh"]
    assert login(client, STAFF).status_code == 423  # the right password does not help now

    # A new process (a restart) sees the same lockout: it lives in the database.
    fresh = accounts_module.AccountService(hall.store, clock)
    with pytest.raises(accounts_module.AccountLocked):
        fresh.login(*STAFF)

    clock.advance(seconds=accounts_module.FIRST_LOCKOUT_SECONDS + 1)
    assert login(client, STAFF).status_code == 200
    actions = [e["action"] for e in hall.accounts.audit()]
    assert actions.count("login_wrong_password") == accounts_module.FREE_TRIES
    assert "login_locked" in actions and actions[0] == "login"


def test_an_unknown_name_is_refused_like_a_wrong_password(client, accounts):
    response = login(client, ("nobody", "whatever-123"))
    assert response.status_code == 401
    assert response.json()["message_zh"] == login(client, (STAFF[0], "wrong-password")).json()["message_zh"]


# -- roles ---------------------------------------------------------------------------------------
def test_a_manager_creates_a_staff_account_who_can_then_log_in(client, make_client, hall):
    hall.accounts.create_manager(*MANAGER)
    login(client, MANAGER)
    created = post(client, "/api/accounts", {"username": "liuyan", "password": "Counter-three-3",
                                             "role": "window_staff", "display_name": "刘燕"})
    assert created.status_code == 201 and created.json()["account"]["role"] == "window_staff"
    staff = make_client()
    assert login(staff, ("liuyan", "Counter-three-3")).status_code == 200
    audit = hall.accounts.audit()
    assert {"action": "account_created", "actor": "staff:wangli", "account": "liuyan"}.items() <= next(
        e for e in audit if e["action"] == "account_created" and e["account"] == "liuyan").items()


def test_staff_cannot_create_accounts_nor_open_the_manager_page(client, accounts):
    login(client, STAFF)
    response = post(client, "/api/accounts", {"username": "sneaky", "password": "Sneaky-pass-1", "role": "window_staff"})
    assert response.status_code == 403
    assert client.get("/staff/accounts").status_code == 403
    assert client.get("/api/audit").status_code == 403


def test_no_manager_can_be_made_from_a_web_page(client, accounts):
    login(client, MANAGER)
    response = post(client, "/api/accounts", {"username": "boss2", "password": "Another-boss-2", "role": "hall_manager"})
    assert response.status_code == 403 and "create-manager" in response.json()["message_zh"]


def test_the_auditor_reads_but_cannot_call(client, accounts, hall):
    hall.tickets.take_number("A")
    login(client, AUDITOR)
    assert client.get("/api/counter").status_code == 200
    assert client.get("/api/audit").status_code == 200
    assert client.get("/api/accounts").status_code == 200
    for path in ("/api/windows/1/call", "/api/windows/1/pause", "/api/tickets/A001/reactivate"):
        assert post(client, path).status_code == 403, path
    assert post(client, "/api/accounts", {"username": "x1", "password": "Whatever-123",
                                          "role": "window_staff"}).status_code == 403
    assert hall.engine.windows()[0].current is None


def test_a_disabled_account_loses_its_session(client, make_client, accounts):
    staff = make_client()
    login(staff, STAFF)
    login(client, MANAGER)
    assert post(client, f"/api/accounts/{STAFF[0]}/disable").status_code == 200
    assert staff.get("/api/counter").status_code == 401
    assert login(staff, STAFF).status_code == 401


def test_passwords_are_stored_as_salted_scrypt(accounts, hall):
    with hall.store.read() as conn:
        stored = [row[0] for row in conn.execute("SELECT password_hash FROM staff_accounts")]
    assert all(s.startswith(f"scrypt${accounts_module.SCRYPT_N}$") for s in stored)
    assert len({s.split("$")[4] for s in stored}) == len(stored)  # a salt each
    assert not any(MANAGER[1] in s or STAFF[1] in s for s in stored)


@pytest.mark.parametrize("password", ["short1", "aaaaaaaaaaaa", "12345678", "zhaomin-pass"])
def test_weak_passwords_are_refused(accounts, password):
    manager = accounts.account(MANAGER[0])
    with pytest.raises(accounts_module.PasswordRejected):
        accounts.create_account(manager, "zhaomin2" if "zhaomin" not in password else "zhaomin", password,
                                "window_staff")


# -- every counter operation ------------------------------------------------------------------
def test_every_counter_operation_through_the_api(client, accounts, hall):
    login(client, STAFF)
    a1, a2, a3 = (hall.tickets.take_number("A") for _ in range(3))
    hall.tickets.take_number("C")

    called = post(client, "/api/windows/1/call")
    assert called.status_code == 200 and called.json()["ticket"]["code"] == a1.code
    assert called.json()["announcement"] == f"请{a1.code}号到1号窗口办理"
    assert post(client, "/api/windows/1/recall").json()["action"] == "recall"
    assert post(client, "/api/windows/1/start").json()["ticket"]["status"] == "serving"
    assert post(client, "/api/windows/1/suspend").json()["ticket"]["status"] == "suspended"
    assert post(client, "/api/windows/1/call", {"code": a3.code}).json()["ticket"]["code"] == a3.code  # 特呼
    assert post(client, "/api/windows/1/no-show").json()["ticket"]["status"] == "no_show"
    assert post(client, f"/api/tickets/{a3.code}/reactivate").json()["ticket"]["status"] == "waiting"
    assert post(client, "/api/windows/1/resume", {"code": a1.code}).json()["ticket"]["status"] == "serving"
    assert post(client, "/api/windows/1/finish").json()["ticket"]["status"] == "finished"
    assert post(client, "/api/windows/2/call").json()["ticket"]["code"] == a2.code
    moved = post(client, "/api/windows/2/transfer", {"to": "B"})
    assert moved.status_code == 200 and moved.json()["ticket"]["queue"] == "B"
    assert post(client, "/api/windows/3/pause").json()["action"] == "pause_window"
    assert post(client, "/api/windows/3/call").status_code == 409  # paused: refused with its reason
    assert post(client, "/api/windows/3/open").json()["action"] == "resume_window"
    transferred = post(client, "/api/windows/3/call", {"code": a2.code}).json()["ticket"]  # the transferred copy
    assert transferred["code"] == a2.code and transferred["queue"] == "B"

    actors = {e["actor"] for e in hall.engine.events() if e["kind"] not in ("issue",)}
    assert actors == {f"staff:{STAFF[0]}"}
    state = client.get("/api/counter").json()
    assert state["windows"][2]["current"]["code"] == a2.code


def test_refusals_come_back_with_their_chinese_reason(client, accounts):
    login(client, STAFF)
    nobody = post(client, "/api/windows/1/call")
    assert nobody.status_code == 409 and nobody.json()["message_zh"]
    assert post(client, "/api/windows/9/call").status_code == 404
    assert post(client, "/api/windows/1/fly").status_code == 404
    # Well-formed by the schema, but a transfer needs `to`: refused as given (400), not malformed (422).
    assert post(client, "/api/windows/1/transfer").status_code == 400
    assert post(client, "/api/windows/1/recall").status_code == 409


# -- public pages ------------------------------------------------------------------------------------
def test_a_ticket_page_follows_its_ticket_until_called(client, accounts, hall):
    first = hall.tickets.take_number("A")
    second = hall.tickets.take_number("A")
    token = hall.links.ticket(second.ticket.id).rsplit("/", 1)[1]
    page = client.get(f"/t/{token}")
    assert page.status_code == 200 and second.code in page.text and "前面还有1人" in page.text
    assert client.get(f"/api/tickets/{token}").json()["people_ahead"] == 1
    hall.engine.call_next(1)
    assert client.get(f"/api/tickets/{token}").json()["people_ahead"] == 0
    hall.engine.finish(1)
    hall.engine.call_next(2)
    progress = client.get(f"/api/tickets/{token}").json()
    assert progress["status"] == "called" and progress["message_zh"] == "请到2号窗口办理"
    assert first.code not in client.get(f"/t/{token}").text


@pytest.mark.parametrize("token", ["1-aaaaaaaaaaaa", "999999-abcdefghijkl", "1", "%3Cscript%3E", "1-" + "a" * 300])
def test_an_unknown_or_forged_ticket_token_gets_one_plain_page(client, hall, token):
    hall.tickets.take_number("A")
    page = client.get(f"/t/{token}")
    assert page.status_code == 404
    assert "没有找到这张号" in page.text
    assert "Traceback" not in page.text and "<script>" not in page.text
    assert client.get(f"/api/tickets/{token}").status_code == 404


def test_an_unknown_address_gets_the_friendly_page(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "没有找到这个页面" in page.text


def test_a_guide_page_and_its_old_printed_address(client, hall):
    guide = next(iter(hall.guides.catalogue()))
    page = client.get(f"/g/{guide.id}")
    assert page.status_code == 200 and guide.name in page.text
    moved = client.get(f"/guides/{guide.id}", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"/g/{guide.id}"
    assert client.get("/g/no-such-guide").status_code == 404


def test_dropoff_lookup_is_rate_limited_and_needs_the_csrf_header(client, hall):
    assert client.post("/api/dropoff/progress", json={"code": "X", "last4": "1234"}).status_code == 403
    limit = hall.settings.dropoff.lookup_max_wrong
    for _ in range(limit):
        wrong = post(client, "/api/dropoff/progress", {"code": "QX-0000-0000", "last4": "1234"})
        assert wrong.status_code == 404 and "投递码" in wrong.json()["message_zh"]
    paused = post(client, "/api/dropoff/progress", {"code": "QX-0000-0000", "last4": "1234"})
    assert paused.status_code == 429 and "分钟后再试" in paused.json()["message_zh"]


def test_the_board_and_the_spoken_call(client, accounts, hall):
    ticket = hall.tickets.take_number("A")
    spoken = []
    client.app.state.web.speech = lambda text: spoken.append(text) or b"RIFF-fake"
    login(client, STAFF)
    post(client, "/api/windows/2/call")
    board = client.get("/api/board").json()
    assert board["windows"][1]["code"] == ticket.code
    call = board["recent_calls"][0]
    assert call["text"] == f"请{ticket.code}号到2号窗口办理"
    audio = client.get(f"/api/speech/{call['event_id']}.wav")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert spoken == ["请A零零一号到2号窗口办理"]
    post(client, "/api/windows/2/recall")
    recall = client.get("/api/board").json()["recent_calls"][0]
    assert recall["recall"] and client.get(f"/api/speech/{recall['event_id']}.wav").status_code == 200
    assert spoken[-1] == "重呼，请A零零一号到2号窗口办理"
    issue_event = hall.engine.events()[0]["id"]
    assert client.get(f"/api/speech/{issue_event}.wav").status_code == 404  # only calls are ever spoken



def test_the_receipt_qr_opens_the_progress_page_with_its_code_filled_in(client, hall):
    from dropoff_drafts import ID_NUMBER, fill_draft, page_jpegs

    submitted = hall.dropoff.submit(fill_draft(hall.dropoff, page_jpegs()))
    receipt = hall.dropoff.receipt(submitted)
    assert receipt.qr_url == f"{hall.links.base}/d/{submitted.code}"
    page = client.get(receipt.qr_url.removeprefix(hall.links.base))
    assert page.status_code == 200 and f'value="{submitted.code}"' in page.text
    assert ID_NUMBER[-4:] not in page.text  # the last 4 are still the citizen's to type
    forged = client.get("/d/<script>")
    assert forged.status_code == 200 and 'value=""' in forged.text
    found = post(client, "/api/dropoff/progress", {"code": submitted.code, "last4": ID_NUMBER[-4:]})
    assert found.status_code == 200 and found.json()["matter_name"] == submitted.matter_name

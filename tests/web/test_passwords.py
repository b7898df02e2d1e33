"""Passwords after the first day: reset and unlock at the terminal, staff changing their own.

GIVEN the hall's accounts (a manager, a window staff member, an auditor) at 09:30,
WHEN a password is forgotten, an account locked or a password changed from the console,
THEN only the terminal resets or unlocks, the console asks the old password with CSRF,
and each is a row of the accounts audit.
"""

from __future__ import annotations

import io
import json
import sys

from hall_server import STAFF, login, post

from kiosk.cli import main
from kiosk.config import load_settings
from kiosk.root.hall import open_hall

NEW = "Counter-two-2027"


def cli_hall():
    return open_hall(load_settings())


def test_reset_password_at_the_terminal_ends_sessions_and_lifts_a_lockout(monkeypatch, capsys, clock):
    hall = cli_hall()
    try:
        manager = hall.accounts.create_manager("wangli", "Jiafeng-2026!")
        hall.accounts.create_account(manager, *STAFF, role="window_staff")
        session = hall.accounts.login(*STAFF)
        for _ in range(5):
            try:
                hall.accounts.login(STAFF[0], "wrong-password")
            except Exception:  # noqa: BLE001 - refused, then locked
                pass
        assert hall.accounts.account(STAFF[0]).locked_until is not None
    finally:
        hall.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW + "\n"))
    assert main(["account", "reset-password", STAFF[0], "--password-stdin", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["account"]["locked_until"] is None
    hall = cli_hall()
    try:
        assert hall.accounts.session(session.token) is None
        assert hall.accounts.login(STAFF[0], NEW).account.username == STAFF[0]
        reset = next(e for e in hall.accounts.audit() if e["action"] == "password_reset")
        assert reset["actor"] == "terminal" and reset["data"]["sessions_ended"] == 1
    finally:
        hall.close()


def test_reset_password_refuses_a_weak_one_and_an_unknown_name(monkeypatch, capsys):
    hall = cli_hall()
    hall.accounts.create_manager("wangli", "Jiafeng-2026!")
    hall.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO("12345678\n"))
    assert main(["account", "reset-password", "wangli", "--password-stdin"]) == 1
    assert "密码" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW + "\n"))
    assert main(["account", "reset-password", "nobody", "--password-stdin"]) == 1
    assert "没有这个账号" in capsys.readouterr().err


def test_unlock_at_the_terminal(capsys):
    hall = cli_hall()
    try:
        hall.accounts.create_manager("wangli", "Jiafeng-2026!")
        for _ in range(5):
            try:
                hall.accounts.login("wangli", "wrong-password")
            except Exception:  # noqa: BLE001
                pass
        assert hall.accounts.account("wangli").locked_until is not None
    finally:
        hall.close()
    assert main(["account", "unlock", "wangli"]) == 0
    assert "unlocked" in capsys.readouterr().out
    hall = cli_hall()
    try:
        assert hall.accounts.account("wangli").locked_until is None
        assert hall.accounts.login("wangli", "Jiafeng-2026!")
        assert hall.accounts.audit()[1]["action"] == "account_unlocked"
    finally:
        hall.close()


def test_staff_change_their_own_password_from_the_console(client, make_client, accounts):
    other_browser = make_client()
    login(other_browser, STAFF)
    login(client, STAFF)
    body = {"old_password": STAFF[1], "new_password": NEW}
    assert client.post("/api/me/password", json=body).status_code == 403  # no CSRF header
    changed = post(client, "/api/me/password", body)
    assert changed.status_code == 200, changed.text
    assert client.get("/api/me").status_code == 200  # this browser stays logged in
    assert other_browser.get("/api/me").status_code == 401  # the other session ended
    assert accounts.login(STAFF[0], NEW)
    entry = next(e for e in accounts.audit() if e["action"] == "password_changed")
    assert entry["actor"] == STAFF[0] and entry["data"]["other_sessions_ended"] == 1


def test_a_wrong_old_password_is_refused_and_counts_towards_the_lockout(client, accounts):
    login(client, STAFF)
    wrong = post(client, "/api/me/password", {"old_password": "not-my-password", "new_password": NEW})
    assert wrong.status_code == 400 and wrong.json()["error"] == "old_password_wrong"
    assert wrong.json()["message_zh"] == "原密码不对，请再试一次"
    weak = post(client, "/api/me/password", {"old_password": STAFF[1], "new_password": "12345678"})
    assert weak.status_code == 400 and weak.json()["error"] == "password_rejected"
    for _ in range(3):
        post(client, "/api/me/password", {"old_password": "not-my-password", "new_password": NEW})
    locked = post(client, "/api/me/password", {"old_password": "still-wrong", "new_password": NEW})
    assert locked.status_code == 423
    assert accounts.account(STAFF[0]).locked_until is not None
    assert post(client, "/api/logout").status_code == 200
    assert post(client, "/api/me/password", {"old_password": STAFF[1], "new_password": NEW}).status_code == 401

"""Staff accounts of the hall server: who may work the counters, manage the hall, or audit it.

Three roles:
  window_staff    works the counter console (call, recall, transfer, finish …)
  hall_manager    the same, plus creating and disabling staff accounts
  county_auditor  the county bureau: reads the hall's state and the audit, changes nothing

No account and no password ship with the kiosk. The first manager is created at the
machine's terminal (`kiosk account create-manager NAME`), never from a web page a
citizen could reach; a manager then creates the staff accounts from the console.

Passwords are stored only as salted scrypt hashes with their parameters beside them
(so the cost can be raised later without locking anyone out). Wrong passwords are
counted on the account row inside the write transaction, so the count and the
lockout hold across restarts and across every process of the hall. Sessions are
random tokens kept only as their SHA-256 (the token itself has 256 bits, so a fast
hash is enough; a copied database opens no session). Every login, logout, lockout
and account change is one row of the append-only `account_audit` table. A checked
session is remembered for SESSION_CACHE_SECONDS (kiosk.services.token_cache):
this process's logout, disabling or password change forgets it at once; another
process's takes effect here when the memory runs out.

Kivy-free and web-free: the HTTP layer and the `kiosk account` commands call this.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
import unicodedata
from dataclasses import dataclass

from devices.base.clock import Clock, from_stamp, to_stamp
from devices.base.errors import KioskError
from kiosk.services.token_cache import TokenCache
from kiosk.store import Store

log = logging.getLogger(__name__)

ROLES = ("window_staff", "hall_manager", "county_auditor")
ROLE_NAMES_ZH = {"window_staff": "窗口工作人员", "hall_manager": "大厅管理员", "county_auditor": "县局审计（只读）"}
# Who may do what: the web layer asks `may(role, permission)` and nothing else.
PERMISSIONS = {
    "view": {"window_staff", "hall_manager", "county_auditor"},
    "counter": {"window_staff", "hall_manager"},
    "manage_accounts": {"hall_manager"},
    "read_audit": {"hall_manager", "county_auditor"},
    # The 差评 follow-up: managers close it; the county auditor reads it. Window staff see no
    # 差评 at all (not even their own): the comment and the time can point at the citizen,
    # and the manager, not the clerk rated, is the one who calls back.
    "read_followups": {"hall_manager", "county_auditor"},
    "handle_followups": {"hall_manager"},
    # Drop-offs: the 综合受理 window and managers review them and see their pages; the county
    # auditor sees the list and the audit trail (contact masked), never the scans.
    "view_dropoffs": {"window_staff", "hall_manager", "county_auditor"},
    "review_dropoffs": {"window_staff", "hall_manager"},
}
# Roles a manager may give from the console; managers are made at the terminal only.
ROLES_FROM_CONSOLE = ("window_staff", "county_auditor")

# scrypt cost. N=2^15, r=8, p=1 needs 32 MiB and about 0.1 s on the hall's two-core
# mini-PC: each guess costs an attacker with a stolen database that much memory and
# time, while the lockout below already limits guesses over the network to a few a
# minute. OWASP's 2^17 (128 MiB) would let a handful of simultaneous logins (the
# 8:30 start, or somebody hammering the login form) take half a gigabyte from a box
# that also runs the kiosk; at most HASHES_AT_ONCE hashes run together, so the
# memory is bounded whatever arrives. The parameters are stored with each hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
HASHES_AT_ONCE = 2
MAX_SCRYPT_MEMORY = 128 * 1024 * 1024

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 128
FREE_TRIES = 5
FIRST_LOCKOUT_SECONDS = 60
MAX_LOCKOUT_SECONDS = 30 * 60
SESSION_TOKEN_BYTES = 32
# How long this process trusts a session it has checked (see kiosk.services.token_cache):
# logout, disabling and password changes made here end it at once; made by another
# process of the hall (a second worker, `kiosk account` at the terminal), within this.
SESSION_CACHE_SECONDS = 5.0

_hash_slots = threading.BoundedSemaphore(HASHES_AT_ONCE)


class AccountError(KioskError):
    code = "account_error"


class NoManagerYet(AccountError):
    code = "no_manager_yet"


class LoginRefused(AccountError):
    code = "login_refused"


class AccountLocked(AccountError):
    code = "account_locked"


class PasswordRejected(AccountError):
    code = "password_rejected"


class AccountExists(AccountError):
    code = "account_exists"


class AccountNotFound(AccountError):
    code = "account_not_found"


class RoleRefused(AccountError):
    code = "role_refused"


class OldPasswordWrong(AccountError):
    code = "old_password_wrong"


NO_MANAGER_ZH = "还没有管理员账号。请先在本机终端用 kiosk account create-manager 创建管理员账号"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime
    created_by: str
    last_login_at: dt.datetime | None

    @property
    def role_zh(self) -> str:
        return ROLE_NAMES_ZH[self.role]

    def may(self, permission: str) -> bool:
        return self.active and self.role in PERMISSIONS[permission]

    def as_dict(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "role_zh": self.role_zh, "active": self.active,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}


@dataclass(frozen=True)
class Session:
    """A logged-in browser: `token` goes into the cookie and is never stored."""

    token: str
    account: Account
    expires_at: dt.datetime


class AccountService:
    def __init__(self, store: Store, clock: Clock, session_hours: int = 10) -> None:
        self.store = store
        self.clock = clock
        self.session_hours = session_hours
        self._decoy_hash: str | None = None
        # token hash -> (account, session expiry)
        self._sessions: TokenCache[tuple[Account, dt.datetime]] = TokenCache(SESSION_CACHE_SECONDS)

    @property
    def _decoy(self) -> str:
        """Checked against when the name is unknown, so a wrong name costs the time of a wrong password."""
        if self._decoy_hash is None:
            self._decoy_hash = hash_password(secrets.token_hex(16))
        return self._decoy_hash

    # -- questions -----------------------------------------------------------------------
    def has_manager(self) -> bool:
        with self.store.read() as conn:
            return conn.execute("SELECT 1 FROM staff_accounts WHERE role = 'hall_manager' AND active = 1 "
                                "LIMIT 1").fetchone() is not None

    def accounts(self) -> list[Account]:
        with self.store.read() as conn:
            return [_account(row) for row in conn.execute("SELECT * FROM staff_accounts ORDER BY id")]

    def account(self, username: str) -> Account:
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM staff_accounts WHERE username = ?", (_clean_name(username),)).fetchone()
        if row is None:
            raise AccountNotFound(f"no account {username!r}", "没有这个账号")
        return _account(row)

    def audit(self, limit: int = 200) -> list[dict]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM account_audit ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [dict(row) | {"data": json.loads(row["data"] or "{}")} for row in rows]

    # -- creating accounts ---------------------------------------------------------------
    def create_manager(self, username: str, password: str, display_name: str = "", actor: str = "terminal") -> Account:
        """The terminal's command: the first (or another) hall manager."""
        return self._create(username, password, "hall_manager", display_name, actor)

    def create_account(self, creator: Account, username: str, password: str, role: str, display_name: str = "",
                       client: str = "") -> Account:
        """A manager creates a staff or auditor account from the console."""
        if not creator.may("manage_accounts"):
            raise RoleRefused(f"{creator.username} ({creator.role}) may not create accounts", "您没有创建账号的权限")
        if role not in ROLES_FROM_CONSOLE:
            raise RoleRefused(f"role {role!r} cannot be given from the console",
                              "管理员账号只能在本机终端用 kiosk account create-manager 创建")
        return self._create(username, password, role, display_name, f"staff:{creator.username}", client)

    def _create(self, username: str, password: str, role: str, display_name: str, actor: str,
                client: str = "") -> Account:
        name = _clean_name(username)
        problem = username_problem(name)
        if problem:
            raise PasswordRejected(f"username refused: {problem[0]}", problem[1])
        if role not in ROLES:
            raise RoleRefused(f"unknown role {role!r}", "没有这种角色")
        problem = password_problem(password, name)
        if problem:
            raise PasswordRejected(f"password refused: {problem[0]}", problem[1])
        stored = hash_password(password)
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            if conn.execute("SELECT 1 FROM staff_accounts WHERE username = ?", (name,)).fetchone():
                raise AccountExists(f"account {name!r} exists", f"账号“{name}”已经有了，请换一个名字")
            conn.execute(
                "INSERT INTO staff_accounts (username, display_name, role, password_hash, created_at, created_by, "
                "password_set_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, display_name.strip()[:40], role, stored, stamp, actor, stamp))
            _audit(conn, stamp, "account_created", actor, name, client, {"role": role})
        log.warning("account %r (%s) created by %s", name, role, actor)
        return self.account(name)

    def set_active(self, manager: Account, username: str, active: bool, client: str = "") -> Account:
        """Disable (or enable again) an account; disabling ends its sessions."""
        if not manager.may("manage_accounts"):
            raise RoleRefused(f"{manager.username} may not change accounts", "您没有管理账号的权限")
        target = self.account(username)
        if target.id == manager.id:
            raise RoleRefused("a manager cannot disable their own account", "不能停用自己的账号")
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            conn.execute("UPDATE staff_accounts SET active = ?, failed_in_a_row = 0, locked_until = NULL "
                         "WHERE id = ?", (int(active), target.id))
            if not active:
                conn.execute("UPDATE staff_sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL",
                             (stamp, target.id))
            _audit(conn, stamp, "account_enabled" if active else "account_disabled", f"staff:{manager.username}",
                   target.username, client, {})
        self._forget_sessions_of(target.id)
        return self.account(username)

    # -- passwords and lockouts ----------------------------------------------------------
    def reset_password(self, username: str, password: str, actor: str = "terminal") -> Account:
        """The terminal's command for a forgotten password: a new one, the lockout lifted and
        every session of the account ended (whoever was logged in must log in again)."""
        target = self.account(username)
        problem = password_problem(password, target.username)
        if problem:
            raise PasswordRejected(f"password refused: {problem[0]}", problem[1])
        stored = hash_password(password)
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            conn.execute("UPDATE staff_accounts SET password_hash = ?, password_set_at = ?, failed_in_a_row = 0, "
                         "locked_until = NULL WHERE id = ?", (stored, stamp, target.id))
            ended = conn.execute("UPDATE staff_sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL",
                                 (stamp, target.id)).rowcount
            _audit(conn, stamp, "password_reset", actor, target.username, "", {"sessions_ended": ended})
        self._forget_sessions_of(target.id)
        log.warning("password of account %r reset by %s", target.username, actor)
        return self.account(target.username)

    def unlock(self, username: str, actor: str = "terminal") -> Account:
        """Lift a lockout after wrong passwords (the count of wrong tries starts again)."""
        target = self.account(username)
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            conn.execute("UPDATE staff_accounts SET failed_in_a_row = 0, locked_until = NULL WHERE id = ?",
                         (target.id,))
            _audit(conn, stamp, "account_unlocked", actor, target.username, "",
                   {"was_locked_until": target.locked_until.isoformat() if target.locked_until else None})
        log.warning("account %r unlocked by %s", target.username, actor)
        return self.account(target.username)

    def change_password(self, account: Account, old_password: str, new_password: str, keep_session: str | None,
                        client: str = "") -> Account:
        """A logged-in member of staff changes their own password. The old one is asked (a session
        left open on a counter PC must not be enough); a wrong one counts towards the lockout like a
        wrong login. The account's other sessions end; `keep_session` (this browser's) stays."""
        now = self.clock.now()
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM staff_accounts WHERE id = ?", (account.id,)).fetchone()
        if row is None or not row["active"]:
            raise AccountNotFound(f"no active account {account.username!r}", "没有这个账号")
        if row["locked_until"] and now < from_stamp(row["locked_until"]):
            raise AccountLocked(f"account {account.username!r} locked", _locked_zh(from_stamp(row["locked_until"]) - now))
        if not verify_password(old_password, row["password_hash"]):
            try:
                self._refuse(now, account.username, row, client, wrong_password=True)
            except LoginRefused:
                raise OldPasswordWrong(f"wrong old password for {account.username!r}", "原密码不对，请再试一次") from None
        problem = password_problem(new_password, account.username)
        if problem:
            raise PasswordRejected(f"password refused: {problem[0]}", problem[1])
        if new_password == old_password:
            raise PasswordRejected("the new password is the old one", "新密码不能和原密码一样")
        stored = hash_password(new_password)
        stamp = to_stamp(now)
        keep = _token_hash(keep_session) if keep_session else ""
        with self.store.write() as conn:
            conn.execute("UPDATE staff_accounts SET password_hash = ?, password_set_at = ?, failed_in_a_row = 0, "
                         "locked_until = NULL WHERE id = ?", (stored, stamp, account.id))
            ended = conn.execute("UPDATE staff_sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL "
                                 "AND token_hash != ?", (stamp, account.id, keep)).rowcount
            _audit(conn, stamp, "password_changed", account.username, account.username, client,
                   {"other_sessions_ended": ended})
        self._forget_sessions_of(account.id)  # this browser's is read again on its next request
        log.info("staff %r changed their password (from %s)", account.username, client or "?")
        return self.account(account.username)

    # -- logging in and out --------------------------------------------------------------
    def login(self, username: str, password: str, client: str = "") -> Session:
        """A new session, or a refusal (LoginRefused, AccountLocked, NoManagerYet) with its Chinese message."""
        name = _clean_name(username)
        now = self.clock.now()
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM staff_accounts WHERE username = ?", (name,)).fetchone()
            any_account = row is not None or conn.execute("SELECT 1 FROM staff_accounts LIMIT 1").fetchone()
        if not any_account:
            raise NoManagerYet("no account exists yet", NO_MANAGER_ZH)
        if row is not None and row["locked_until"] and now < from_stamp(row["locked_until"]):
            self._audit_only(now, "login_locked", name, client, {})
            raise AccountLocked(f"account {name!r} locked until {row['locked_until']}",
                                _locked_zh(from_stamp(row["locked_until"]) - now))
        ok = verify_password(password, row["password_hash"] if row is not None else self._decoy)
        if row is None or not ok or not row["active"]:
            return self._refuse(now, name, row, client, wrong_password=row is not None and not ok)
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        expires = now + dt.timedelta(hours=self.session_hours)
        stamp = to_stamp(now)
        with self.store.write() as conn:
            conn.execute("UPDATE staff_accounts SET failed_in_a_row = 0, locked_until = NULL, last_login_at = ? "
                         "WHERE id = ?", (stamp, row["id"]))
            conn.execute("INSERT INTO staff_sessions (token_hash, account_id, created_at, expires_at, client) "
                         "VALUES (?, ?, ?, ?, ?)", (_token_hash(token), row["id"], stamp, to_stamp(expires), client))
            _audit(conn, stamp, "login", name, name, client, {"wrong_before": row["failed_in_a_row"]})
        log.info("staff %r logged in from %s", name, client or "?")
        return Session(token, self.account(name), expires)

    def _refuse(self, now: dt.datetime, name: str, row, client: str, wrong_password: bool):
        stamp = to_stamp(now)
        locked_until = None
        with self.store.write() as conn:
            if wrong_password:
                # Read again inside the write transaction: another process may have counted a try.
                wrong = conn.execute("SELECT failed_in_a_row FROM staff_accounts WHERE id = ?",
                                     (row["id"],)).fetchone()[0] + 1
                seconds = lockout_seconds(wrong)
                locked_until = now + dt.timedelta(seconds=seconds) if seconds else None
                conn.execute("UPDATE staff_accounts SET failed_in_a_row = ?, locked_until = ? WHERE id = ?",
                             (wrong, locked_until and to_stamp(locked_until), row["id"]))
                _audit(conn, stamp, "login_wrong_password", name, name, client,
                       {"in_a_row": wrong, "locked_until": locked_until and to_stamp(locked_until)})
            else:
                reason = "unknown_user" if row is None else "disabled"
                _audit(conn, stamp, f"login_{reason}", name, None if row is None else name, client, {})
        if locked_until is not None:
            log.warning("staff account %r locked until %s after wrong passwords (from %s)", name,
                        locked_until.isoformat(), client or "?")
            raise AccountLocked(f"account {name!r} locked", _locked_zh(locked_until - now))
        raise LoginRefused(f"login refused for {name!r}", "账号或密码不对，请再试一次")

    def session(self, token: str | None) -> Account | None:
        """The account of a live session token, or None (unknown, ended, expired, disabled).

        A session checked in the last SESSION_CACHE_SECONDS is answered from memory."""
        if not token or len(token) > 200:
            return None
        key = _token_hash(token)
        known = self._sessions.get(key)
        if known is None:
            with self.store.read() as conn:
                row = conn.execute(
                    "SELECT a.*, s.expires_at AS session_expires, s.ended_at AS session_ended FROM staff_sessions s "
                    "JOIN staff_accounts a ON a.id = s.account_id WHERE s.token_hash = ?", (key,)
                ).fetchone()
            if row is None or row["session_ended"] or not row["active"]:
                return None
            known = (_account(row), from_stamp(row["session_expires"]))
            self._sessions.put(key, known)
        account, expires = known
        if self.clock.now() >= expires:
            return None
        return account

    def cached_session(self, token: str | None) -> Account | None:
        """The account of a session checked in the last few seconds, from memory only: None means
        "ask `session`", never "refused". Lets the web layer skip the thread pool for most requests."""
        if not token or len(token) > 200:
            return None
        known = self._sessions.get(_token_hash(token))
        if known is None or self.clock.now() >= known[1]:
            return None
        return known[0]

    def _forget_sessions_of(self, account_id: int) -> None:
        self._sessions.drop_where(lambda known: known[0].id == account_id)

    def logout(self, token: str | None, client: str = "") -> None:
        account = self.session(token)
        if account is None:
            return
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            conn.execute("UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ?", (stamp, _token_hash(token)))
            _audit(conn, stamp, "logout", account.username, account.username, client, {})
        self._sessions.drop(_token_hash(token))

    def _audit_only(self, now: dt.datetime, action: str, name: str, client: str, data: dict) -> None:
        with self.store.write() as conn:
            _audit(conn, to_stamp(now), action, name, name, client, data)


# -- passwords ------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n, r, p, salt, digest = int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(digest)
    except (ValueError, AttributeError):
        log.error("a stored password hash is damaged")
        return False
    if scheme != "scrypt" or _scrypt_memory(n, r, p) > MAX_SCRYPT_MEMORY or len(password) > MAX_PASSWORD_CHARS:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(digest)), digest)


def password_problem(password: str, username: str = "") -> tuple[str, str] | None:
    """Why this password may not be used, as (English, Chinese), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"shorter than {MIN_PASSWORD_CHARS}", f"密码至少要{MIN_PASSWORD_CHARS}位"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"longer than {MAX_PASSWORD_CHARS}", f"密码不能超过{MAX_PASSWORD_CHARS}位"
    if len(set(password)) < 4:
        return "fewer than four different characters", "密码太简单，请至少用4个不同的字符"
    if username and username.lower() in password.lower():
        return "contains the username", "密码里不能包含账号名"
    if password.lower() in {"12345678", "123456789", "1234567890", "password", "qwertyui", "abcd1234", "a1234567",
                            "qinxinban", "11223344", "88888888", "66666666"}:
        return "a common password", "这个密码太常见，请换一个"
    return None


def username_problem(name: str) -> tuple[str, str] | None:
    if not 2 <= len(name) <= 32:
        return "2-32 characters", "账号名要2到32个字符"
    if not all(c.isalnum() or c in "._-" for c in name):
        return "letters, digits, '.', '_' and '-' only", "账号名只能用字母、数字、汉字和 . _ -"
    return None


def lockout_seconds(wrong_in_a_row: int) -> int:
    if wrong_in_a_row < FREE_TRIES:
        return 0
    return min(FIRST_LOCKOUT_SECONDS * 2 ** min(wrong_in_a_row - FREE_TRIES, 16), MAX_LOCKOUT_SECONDS)


def _scrypt_memory(n: int, r: int, p: int) -> int:
    return 128 * r * (n + p + 2)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    data = unicodedata.normalize("NFC", password).encode("utf-8")
    with _hash_slots:
        return hashlib.scrypt(data, salt=salt, n=n, r=r, p=p, maxmem=_scrypt_memory(n, r, p) + 1024 * 1024,
                              dklen=length)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _clean_name(username: str) -> str:
    return unicodedata.normalize("NFC", str(username or "")).strip()


def _locked_zh(left: dt.timedelta) -> str:
    minutes = max(1, int(left.total_seconds() + 59) // 60)
    return f"密码输错次数太多，账号已暂时锁定，请{minutes}分钟后再试，或请管理员处理"


def _account(row) -> Account:
    return Account(row["id"], row["username"], row["display_name"], row["role"], bool(row["active"]),
                   from_stamp(row["locked_until"]) if row["locked_until"] else None, from_stamp(row["created_at"]),
                   row["created_by"], from_stamp(row["last_login_at"]) if row["last_login_at"] else None)


def _audit(conn, stamp: str, action: str, actor: str, account: str | None, client: str, data: dict) -> None:
    conn.execute("INSERT INTO account_audit (at, action, actor, account, client, data) VALUES (?, ?, ?, ?, ?, ?)",
                 (stamp, action, actor, account, client, json.dumps(data, ensure_ascii=False)))

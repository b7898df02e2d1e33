"""Who may open the staff panel at this kiosk: one PIN, stored only as a salted hash.

The PIN is chosen by whoever installs the box, at the machine's terminal
(`kiosk staff set-pin`), never on the touch screen: a citizen at an unattended
kiosk must not be the one to choose it. It is kept as an scrypt hash with a random
salt, its parameters beside it, in `<data_dir>/staff_access.json` (mode 0600), not
in the hall's settings file, so `hall.toml` can be copied from hall to hall
without the secret. No PIN is shipped: until one is set the panel stays closed.

Wrong tries are counted in the hall database's append-only event log
(`staff_pin_wrong`, reset by `staff_login` and `staff_pin_set`), so the count and
the lockout survive a restart, every process of the hall sees the same count,
and the running kiosk never has to write the secret's file. After FREE_TRIES
wrong tries in a row the PIN is locked for FIRST_LOCKOUT_SECONDS, doubling with
each further wrong try, capped at MAX_LOCKOUT_SECONDS; each lockout is logged and
raised as a staff alert.

The hall server's staff accounts will replace this class: front ends only use
`is_configured()`, `state()`, `check(pin)` and `set_pin(pin)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from devices.base.clock import Clock, from_stamp, to_stamp
from devices.base.errors import KioskError
from kiosk import texts_zh
from kiosk.alerts import AlertLog
from kiosk.store import Store

log = logging.getLogger(__name__)

PIN_FILE_NAME = "staff_access.json"
MIN_DIGITS = 6
MAX_DIGITS = 12
FREE_TRIES = 5
FIRST_LOCKOUT_SECONDS = 30
MAX_LOCKOUT_SECONDS = 15 * 60
# scrypt cost: about 0.05-0.1 s per check on a two-core mini-PC, 16 MB of memory.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
# A file asking for more than this is not ours (a check must not exhaust the box).
MAX_SCRYPT_MEMORY = 64 * 1024 * 1024
_STAFF_KINDS = "('staff_pin_set', 'staff_login', 'staff_pin_wrong')"  # the index's exact WHERE
ALERT_SOURCE, ALERT_CODE = "staff", "pin_locked_out"

# Easy to guess although they pass the other rules (keypad lines and shapes).
COMMON_PINS = frozenset({
    "147258", "258369", "147258369", "369258", "963852", "852741", "741852", "159357", "159753", "357159",
    "147852", "123654", "456789123", "789456", "456123", "789456123", "147369", "258025", "131420", "520131",
})


class PinRejected(KioskError):
    """The PIN offered to `set_pin` is not allowed (too short, too easy to guess …)."""

    code = "staff_pin_rejected"


@dataclass(frozen=True)
class StaffCheck:
    """The answer to one typed PIN: `message_zh` is for the screen."""

    ok: bool
    locked_until: dt.datetime | None = None
    message_zh: str = ""


@dataclass(frozen=True)
class StaffAccessState:
    """Before anything is typed: is there a PIN at all, and is it locked now?"""

    configured: bool
    locked_until: dt.datetime | None = None
    message_zh: str = ""


@dataclass(frozen=True)
class _Tries:
    wrong_in_a_row: int
    locked_until: dt.datetime | None


class StaffAccess:
    def __init__(self, path: Path, store: Store, alerts: AlertLog, clock: Clock) -> None:
        self.path = Path(path)
        self.store = store
        self.alerts = alerts
        self.clock = clock

    # -- questions ----------------------------------------------------------------------
    def is_configured(self) -> bool:
        return self._load() is not None

    def state(self) -> StaffAccessState:
        record = self._load()
        if record is None:
            return StaffAccessState(False, None, self._not_set_message())
        now = self.clock.now()
        tries = self._tries()
        if tries.locked_until is not None and now < tries.locked_until:
            return StaffAccessState(True, tries.locked_until, _locked_message(tries.locked_until - now))
        return StaffAccessState(True)

    def check(self, pin: str, actor: str = "kiosk") -> StaffCheck:
        """Is this the staff PIN? Wrong tries count towards the lockout; never logs the PIN."""
        record = self._load()
        if record is None:
            log.warning("staff login refused: no staff PIN is set (run `kiosk staff set-pin` on this machine)")
            return StaffCheck(False, None, self._not_set_message())
        if not pin:
            return StaffCheck(False, None, texts_zh.STAFF_PIN_EMPTY)
        now = self.clock.now()
        before = self._tries()
        if before.locked_until is not None and now < before.locked_until:
            log.warning("staff login refused without checking: locked out until %s", before.locked_until.isoformat())
            return StaffCheck(False, before.locked_until, _locked_message(before.locked_until - now))
        if _matches(pin, record):
            self._record(now, "staff_login", actor, {"wrong_before": before.wrong_in_a_row})
            self.alerts.resolve(ALERT_SOURCE, ALERT_CODE)
            log.warning("staff logged in at the %s (after %d wrong tries)", actor, before.wrong_in_a_row)
            note = texts_zh.STAFF_LOGIN_AFTER_WRONG.format(n=before.wrong_in_a_row) if before.wrong_in_a_row else ""
            return StaffCheck(True, None, note)
        return self._wrong(now, actor)

    # -- the installer's command ----------------------------------------------------------
    def set_pin(self, pin: str, actor: str = "installer") -> Path:
        """Hash the new PIN into the staff file (mode 0600) and reset the wrong-try count."""
        problem = pin_weakness(pin)
        if problem is not None:
            reason_en, reason_zh = problem
            raise PinRejected(f"staff PIN refused: {reason_en}",
                              texts_zh.STAFF_PIN_REJECTED.format(reason=reason_zh))
        salt = secrets.token_bytes(SALT_BYTES)
        record = {
            "scheme": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": salt.hex(),
            "hash": _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).hex(),
            "set_at": to_stamp(self.clock.now()),
        }
        _write_private(self.path, json.dumps(record, indent=2) + "\n")
        self._record(self.clock.now(), "staff_pin_set", actor, {"file": str(self.path)})
        self.alerts.resolve(ALERT_SOURCE, ALERT_CODE)
        log.warning("staff PIN set in %s by the %s; wrong tries reset", self.path, actor)
        return self.path

    # -- inside ------------------------------------------------------------------------
    def _wrong(self, now: dt.datetime, actor: str) -> StaffCheck:
        with self.store.write() as conn:
            # Counted again inside the write transaction: another process may have
            # recorded a try since we looked.
            tries = _tries_from(conn)
            wrong = tries.wrong_in_a_row + 1
            locked_until = now + dt.timedelta(seconds=lockout_seconds(wrong)) if wrong >= FREE_TRIES else None
            conn.execute(
                "INSERT INTO events (at, kind, actor, data) VALUES (?, 'staff_pin_wrong', ?, ?)",
                (to_stamp(now), actor, json.dumps({"in_a_row": wrong,
                                                   "locked_until": locked_until and to_stamp(locked_until)})),
            )
        if locked_until is None:
            log.warning("wrong staff PIN at the %s (%d in a row)", actor, wrong)
            return StaffCheck(False, None, texts_zh.STAFF_PIN_WRONG_TRIES_LEFT.format(left=FREE_TRIES - wrong))
        seconds = lockout_seconds(wrong)
        message_en = (f"staff PIN locked for {seconds} s (until {locked_until:%Y-%m-%d %H:%M:%S}) "
                      f"after {wrong} wrong tries in a row at the {actor}")
        log.warning("%s", message_en)
        self.alerts.raise_alert(ALERT_SOURCE, "warning", ALERT_CODE,
                                texts_zh.STAFF_LOCKED_ALERT.format(n=wrong, until=f"{locked_until:%H:%M:%S}"),
                                message_en)
        return StaffCheck(False, locked_until, _locked_message(locked_until - now))

    def _tries(self) -> _Tries:
        with self.store.read() as conn:
            return _tries_from(conn)

    def _record(self, now: dt.datetime, kind: str, actor: str, data: dict) -> None:
        with self.store.write() as conn:
            conn.execute("INSERT INTO events (at, kind, actor, data) VALUES (?, ?, ?, ?)",
                         (to_stamp(now), kind, actor, json.dumps(data, ensure_ascii=False)))

    def _not_set_message(self) -> str:
        return texts_zh.STAFF_PIN_FILE_BROKEN if self.path.exists() else texts_zh.STAFF_PIN_NOT_SET

    def _load(self) -> dict | None:
        """The stored hash and its parameters, or None (not set, or not a file we wrote)."""
        try:
            text = self.path.read_text(encoding="utf-8")
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.error("cannot read the staff PIN file %s: %s; run `kiosk staff set-pin` as the kiosk's user",
                      self.path, exc)
            return None
        if mode & 0o077:
            log.warning("the staff PIN file %s is readable by others (mode %o); it should be 0600", self.path, mode)
        try:
            record = json.loads(text)
            n, r, p = int(record["n"]), int(record["r"]), int(record["p"])
            salt, digest = bytes.fromhex(record["salt"]), bytes.fromhex(record["hash"])
            usable = (record.get("scheme") == "scrypt" and n >= 2 and n & (n - 1) == 0 and 1 <= r <= 32
                      and 1 <= p <= 16 and _scrypt_memory(n, r, p) <= MAX_SCRYPT_MEMORY
                      and len(salt) >= 8 and len(digest) >= 16)
        except (ValueError, KeyError, TypeError, AttributeError):
            usable = False
        if not usable:
            log.error("the staff PIN file %s is damaged or not ours; run `kiosk staff set-pin` again", self.path)
            return None
        return {"n": n, "r": r, "p": p, "salt": salt, "hash": digest}


def lockout_seconds(wrong_in_a_row: int) -> int:
    """How long the PIN is locked after this many wrong tries in a row (0 below FREE_TRIES)."""
    if wrong_in_a_row < FREE_TRIES:
        return 0
    return min(FIRST_LOCKOUT_SECONDS * 2 ** min(wrong_in_a_row - FREE_TRIES, 16), MAX_LOCKOUT_SECONDS)


def pin_weakness(pin: str) -> tuple[str, str] | None:
    """Why this PIN may not be used, as (English, Chinese), or None if it may."""
    reasons = texts_zh.STAFF_PIN_REASONS

    def weak(key: str, english: str) -> tuple[str, str]:
        return english, reasons[key].format(min=MIN_DIGITS, max=MAX_DIGITS)

    if not (pin.isascii() and pin.isdigit()):
        return weak("digits", "digits only")
    if len(pin) < MIN_DIGITS:
        return weak("short", f"at least {MIN_DIGITS} digits")
    if len(pin) > MAX_DIGITS:
        return weak("long", f"at most {MAX_DIGITS} digits")
    if len(set(pin)) == 1:
        return weak("same", "one digit repeated")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({1}, {9}):
        return weak("run", "a run of consecutive digits")
    if any(pin == (pin[:k] * len(pin))[:len(pin)] for k in (2, 3)):
        return weak("pattern", "a short group of digits repeated")
    if len(set(pin)) < 3:
        return weak("few", "fewer than three different digits")
    if pin in COMMON_PINS:
        return weak("common", "a common keypad pattern")
    return None


def _tries_from(conn) -> _Tries:
    # Newest first, through the partial index; past MAX_LOCKOUT the count no longer matters.
    enough = FREE_TRIES + 8
    rows = conn.execute(f"SELECT kind, at FROM events WHERE kind IN {_STAFF_KINDS} ORDER BY id DESC LIMIT ?",
                        (enough,)).fetchall()
    wrong, last_wrong_at = 0, None
    for kind, at in rows:
        if kind != "staff_pin_wrong":
            break
        wrong += 1
        last_wrong_at = last_wrong_at or at
    if wrong < FREE_TRIES:
        return _Tries(wrong, None)
    return _Tries(wrong, from_stamp(last_wrong_at) + dt.timedelta(seconds=lockout_seconds(wrong)))


def _locked_message(left: dt.timedelta) -> str:
    seconds = max(1, int(left.total_seconds() + 0.999))
    if seconds < 120:
        wait = texts_zh.STAFF_WAIT_SECONDS.format(n=seconds)
    else:
        wait = texts_zh.STAFF_WAIT_MINUTES.format(n=(seconds + 59) // 60)
    return texts_zh.STAFF_PIN_LOCKED.format(wait=wait)


def _scrypt_memory(n: int, r: int, p: int) -> int:
    return 128 * r * (n + p + 2)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int = HASH_BYTES) -> bytes:
    return hashlib.scrypt(pin.encode("ascii", "replace")[:64], salt=salt, n=n, r=r, p=p,
                          maxmem=_scrypt_memory(n, r, p) + 1024 * 1024, dklen=length)


def _matches(pin: str, record: dict) -> bool:
    candidate = _scrypt(pin, record["salt"], record["n"], record["r"], record["p"], len(record["hash"]))
    return hmac.compare_digest(candidate, record["hash"])


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by this account only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a leftover file
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

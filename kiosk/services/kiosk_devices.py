"""Kiosk devices: the machines that take numbers through the hall server rather than on its own box.

The lobby kiosk draws numbers in process; a second kiosk (or a tablet at the door)
calls `POST /api/kiosk/tickets` with a device token. A token is made at this
machine's terminal (`kiosk device add NAME`), shown once, and kept only as its
SHA-256 (256 random bits: a copied database lets no device in, as for staff
sessions). A disabled device is refused at once; enabling it again brings the same
token back. Adding, disabling and enabling are rows of the `account_audit` table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass

from devices.base.clock import Clock, from_stamp, to_stamp
from devices.base.errors import KioskError
from kiosk.services.token_cache import TokenCache
from kiosk.store import Store

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
TOKEN_PREFIX = "qxk_"  # recognisable in a config file or a leaked log line
# How long this process trusts a token it has checked (see kiosk.services.token_cache):
# disabling a device here refuses it at once; `kiosk device disable` at the terminal
# (another process) within this.
DEVICE_CACHE_SECONDS = 5.0


class DeviceError(KioskError):
    code = "device_error"


class DeviceExists(DeviceError):
    code = "device_exists"


class DeviceNotFound(DeviceError):
    code = "device_not_found"


@dataclass(frozen=True)
class KioskDevice:
    id: int
    name: str
    active: bool
    created_at: dt.datetime
    created_by: str

    def as_dict(self) -> dict:
        return {"name": self.name, "active": self.active, "created_at": self.created_at.isoformat(),
                "created_by": self.created_by}


class KioskDeviceService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._tokens: TokenCache[KioskDevice] = TokenCache(DEVICE_CACHE_SECONDS)

    def devices(self) -> list[KioskDevice]:
        with self.store.read() as conn:
            return [_device(row) for row in conn.execute("SELECT * FROM kiosk_devices ORDER BY id")]

    def device(self, name: str) -> KioskDevice:
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM kiosk_devices WHERE name = ?", (_clean(name),)).fetchone()
        if row is None:
            raise DeviceNotFound(f"no kiosk device {name!r}", "没有这个设备")
        return _device(row)

    def add(self, name: str, actor: str = "terminal") -> tuple[KioskDevice, str]:
        """A new device and its token (shown once: only its hash is stored)."""
        clean = _clean(name)
        if not 2 <= len(clean) <= 32 or not all(c.isalnum() or c in "._-" for c in clean):
            raise DeviceError(f"device name {name!r} refused: 2-32 letters, digits, '.', '_' or '-'",
                              "设备名要2到32个字符，只能用字母、数字、汉字和 . _ -")
        token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            if conn.execute("SELECT 1 FROM kiosk_devices WHERE name = ?", (clean,)).fetchone():
                raise DeviceExists(f"kiosk device {clean!r} exists", f"设备“{clean}”已经有了，请换一个名字")
            conn.execute("INSERT INTO kiosk_devices (name, token_hash, created_at, created_by) VALUES (?, ?, ?, ?)",
                         (clean, token_hash(token), stamp, actor))
            _audit(conn, stamp, "device_added", actor, clean)
        log.warning("kiosk device %r added by %s", clean, actor)
        return self.device(clean), token

    def set_active(self, name: str, active: bool, actor: str = "terminal") -> KioskDevice:
        device = self.device(name)
        stamp = to_stamp(self.clock.now())
        with self.store.write() as conn:
            conn.execute("UPDATE kiosk_devices SET active = ? WHERE id = ?", (int(active), device.id))
            _audit(conn, stamp, "device_enabled" if active else "device_disabled", actor, device.name)
        self._tokens.drop_where(lambda known: known.id == device.id)
        return self.device(device.name)

    def authenticate(self, token: str | None) -> KioskDevice | None:
        """The active device holding `token`, or None (unknown, malformed or disabled)."""
        if not token or len(token) > 200:
            return None
        key = token_hash(token)
        device = self._tokens.get(key)
        if device is not None:
            return device
        with self.store.read() as conn:
            row = conn.execute("SELECT * FROM kiosk_devices WHERE token_hash = ?", (key,)).fetchone()
        if row is None or not row["active"]:
            return None
        device = _device(row)
        self._tokens.put(key, device)
        return device

    def cached(self, token: str | None) -> KioskDevice | None:
        """The device of a token checked in the last few seconds, from memory only (None: ask
        `authenticate`)."""
        if not token or len(token) > 200:
            return None
        return self._tokens.get(token_hash(token))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _clean(name: str) -> str:
    return unicodedata.normalize("NFC", str(name or "")).strip()


def _device(row) -> KioskDevice:
    return KioskDevice(row["id"], row["name"], bool(row["active"]), from_stamp(row["created_at"]), row["created_by"])


def _audit(conn, stamp: str, action: str, actor: str, name: str) -> None:
    conn.execute("INSERT INTO account_audit (at, action, actor, account, client, data) VALUES (?, ?, ?, ?, ?, ?)",
                 (stamp, action, actor, f"device:{name}", "", "{}"))

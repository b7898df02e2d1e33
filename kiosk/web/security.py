"""Sessions and CSRF for the hall server.

Session: a random token (AccountService.login) in the `qx_session` cookie:
HttpOnly (page scripts never see it), SameSite=Strict (no other site's page can
make a browser send it), Path=/, Secure when the request came over HTTPS. The
database keeps only its SHA-256 and its expiry.

CSRF: every state-changing request (POST, PUT, PATCH, DELETE) must carry the
`X-CSRF-Token` header equal to the `qx_csrf` cookie (double submit: a page of
another origin can neither read our cookie nor set a custom header without a CORS
preflight we never answer). For a logged-in request the token must moreover be
the one derived from its session token (HMAC-SHA256 keyed by the session token),
so a cookie planted by a neighbour on the LAN does not pass. Before login the
cookie is random (set with the first page), which protects the login itself and
the citizens' drop-off lookup. SameSite=Strict alone would already stop most
cross-site requests; the header is the second lock the brief asks for.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from kiosk.services.accounts import Account, AccountService
from kiosk.services.kiosk_devices import KioskDevice, KioskDeviceService
from kiosk.web import texts_zh

SESSION_COOKIE = "qx_session"
CSRF_COOKIE = "qx_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes for kiosk devices: authenticated by `Authorization: Bearer`, never by a cookie.
DEVICE_PATH_PREFIX = "/api/kiosk/"


def csrf_for_session(session_token: str) -> str:
    return hmac.new(session_token.encode("utf-8"), b"qinxin-csrf", hashlib.sha256).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_header_matches_cookie(request: Request) -> bool:
    header = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(header) and bool(cookie) and hmac.compare_digest(header.encode(), cookie.encode())


def is_device_request(request: Request) -> bool:
    """A kiosk device's request: its own path and a bearer token. Such a request needs no CSRF
    header: a page of another site cannot make a browser send an Authorization header without a
    CORS preflight we never answer, and the route accepts the token alone (cookies count for nothing)."""
    return (request.url.path.startswith(DEVICE_PATH_PREFIX)
            and request.headers.get("authorization", "")[:7].lower() == "bearer ")


def client_label(request: Request) -> str:
    """Who sent a request, for the audit: the peer address (the server has no proxy in front)."""
    return request.client.host if request.client else ""


def set_session_cookies(request: Request, response: Response, token: str, max_age: int) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure,
                        path="/")
    # Readable by the page's script on purpose: it copies it into the header.
    response.set_cookie(CSRF_COOKIE, csrf_for_session(token), max_age=max_age, httponly=False, samesite="strict",
                        secure=secure, path="/")


def clear_session_cookies(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="strict", httponly=True)
    response.set_cookie(CSRF_COOKIE, new_csrf_token(), httponly=False, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    """Pages give a browser without the cookie a random one (before login)."""
    if not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, new_csrf_token(), httponly=False, samesite="strict",
                            secure=request.url.scheme == "https", path="/")


def session_account(request: Request, accounts: AccountService) -> Account | None:
    return accounts.session(request.cookies.get(SESSION_COOKIE))


class Permission:
    """A FastAPI dependency: the logged-in account, allowed to do `permission`, or 401/403.

    `async`: a session checked in the last few seconds is answered from the service's
    memory on the event loop; only an unknown one is read from the database, in the thread
    pool (a plain `def` dependency took a trip through the pool on every request)."""

    def __init__(self, accounts: AccountService, permission: str) -> None:
        self.accounts = accounts
        self.permission = permission

    async def __call__(self, request: Request) -> Account:
        token = request.cookies.get(SESSION_COOKIE)
        account = self.accounts.cached_session(token)
        if account is None:
            account = await run_in_threadpool(self.accounts.session, token)
        if account is None:
            raise HTTPException(401, detail=texts_zh.NOT_LOGGED_IN)
        if request.method in UNSAFE_METHODS:
            header = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(header.encode(), csrf_for_session(token).encode()):
                raise HTTPException(403, detail=texts_zh.CSRF_FAILED)
        if not account.may(self.permission):
            raise HTTPException(403, detail=texts_zh.FORBIDDEN)
        return account


_bearer = HTTPBearer(auto_error=False, description="a device token from `kiosk device add NAME`")


class DeviceToken:
    """A FastAPI dependency: the active kiosk device whose bearer token came with the request, or 401.
    A token checked in the last few seconds is answered from memory; otherwise the lookup reads
    the database, in the thread pool."""

    def __init__(self, devices: KioskDeviceService) -> None:
        self.devices = devices

    async def __call__(self, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> KioskDevice:
        token = credentials.credentials if credentials else None
        device = self.devices.cached(token)
        if device is None:
            device = await run_in_threadpool(self.devices.authenticate, token)
        if device is None:
            raise HTTPException(401, detail=texts_zh.DEVICE_REFUSED, headers={"WWW-Authenticate": "Bearer"})
        return device


class WindowTablet:
    """A FastAPI dependency for the tablet facing the citizen at a window: an active kiosk
    device's bearer token (a tablet set up once by the hall manager), or the session of a
    logged-in staff member allowed to work a counter (the view opened from the counter
    console). A session's state-changing request needs its CSRF header, as everywhere.
    Returns who it is, for the log: `device:<name>` or `staff:<username>`; else 401/403."""

    def __init__(self, devices: KioskDeviceService, accounts: AccountService) -> None:
        self.devices = devices
        self.staff = Permission(accounts, "counter")

    async def __call__(self, request: Request,
                       credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
        if credentials is not None or request.headers.get("authorization"):
            # A credential was given: it must be a device's, whatever cookie comes with it.
            token = credentials.credentials if credentials is not None else None
            device = self.devices.cached(token)
            if device is None:
                device = await run_in_threadpool(self.devices.authenticate, token)
            if device is None:
                raise HTTPException(401, detail=texts_zh.WINDOW_TABLET_REFUSED, headers={"WWW-Authenticate": "Bearer"})
            return f"device:{device.name}"
        if not request.cookies.get(SESSION_COOKIE):
            raise HTTPException(401, detail=texts_zh.WINDOW_TABLET_REFUSED)
        account = await self.staff(request)
        return f"staff:{account.username}"

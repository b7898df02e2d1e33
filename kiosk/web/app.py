"""The hall server's application: `create_app(hall)` builds it over the hall's services.

No SQL here and no device: every route calls a service of the Hall it was given
(queue engine, tickets, board, accounts, guides, drop-off). Routes that call a
service are plain `def` functions, which FastAPI runs in its thread pool, so a
database write waiting for the lock never stalls the event loop that carries
the live feeds; only the SSE stream is `async`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from devices.base.errors import KioskError
from kiosk.voice import render_wav
from kiosk.web import texts_zh
from kiosk.web.live import POLL_SECONDS, LiveFeed
from kiosk.web.security import UNSAFE_METHODS, csrf_header_matches_cookie, is_device_request

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

# KioskError subclasses by `code` -> HTTP status; anything else a service refuses is 409.
STATUS_BY_CODE = {
    "unknown_window": 404, "ticket_not_found": 404, "account_not_found": 404, "dropoff_not_found": 404,
    "unknown_queue": 400, "unknown_priority": 400, "password_rejected": 400, "old_password_wrong": 400, "device_not_found": 404,
    "role_refused": 403, "login_refused": 401, "account_locked": 423, "lookup_paused": 429,
    "store_busy": 503, "store_error": 503,
    "rating_reason_required": 422, "rating_level_unknown": 422, "rating_error": 422, "rating_not_found": 404,
    "followup_refused": 409,
}


@dataclass
class WebContext:
    hall: Any
    feed: LiveFeed
    templates: Jinja2Templates
    speech: Callable[[str], bytes | None]

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        from kiosk.web.security import ensure_csrf_cookie

        context.setdefault("hall_name", self.hall.settings.hall.name)
        context.setdefault("brand", self.hall.settings.hall.brand)
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code)
        ensure_csrf_cookie(request, response)
        return response

    def plain_page(self, request: Request, message: str, status_code: int = 404, title: str = "") -> HTMLResponse:
        return self.page(request, "message.html", status_code=status_code, message=message, title=title)


def create_app(hall: Any, *, poll_seconds: float = POLL_SECONDS,
               speech: Callable[[str], bytes | None] = render_wav,
               on_close: Callable[[], None] | None = None, background: Sequence[Any] = ()) -> FastAPI:
    """The hall server over an open Hall (kiosk.root.hall.open_hall). The caller closes the hall,
    or passes `on_close`, called when the server stops (a worker process that opened its own hall).
    `background`: services with start()/stop() that run while the server does (the hall's
    threshold watch, given by the composition root; tests leave it out and call the checks)."""
    feed = LiveFeed(hall.board, poll_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        feed.start(asyncio.get_running_loop())
        for service in background:
            service.start()
        try:
            yield
        finally:
            for service in background:
                service.stop()
            feed.stop()
            if on_close is not None:
                on_close()

    # Swagger UI and ReDoc load their code from a CDN: off. The schema stays at /openapi.json.
    # FastAPI's OpenTelemetry support off: the hall box exports nothing (no collector, and no
    # OTEL_* variable may send the hall's requests anywhere), and the "is a provider
    # configured?" check it made on every request was ~4% of the server's CPU under load.
    app = FastAPI(title="沁心办 hall server", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Counter console, hall display and phone pages of one township hall.",
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                             "auto_configure": False})
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    ctx = WebContext(hall, feed, templates, speech)
    app.state.web = ctx
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(CsrfAndHeaders)

    @app.exception_handler(KioskError)
    async def kiosk_error(request: Request, exc: KioskError):
        status = STATUS_BY_CODE.get(exc.code, 409)
        if status >= 500:
            log.error("%s: %s", exc.code, exc.message_en)
        return JSONResponse(exc.as_dict(), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _wants_json(request):
            message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else (
                texts_zh.NOT_FOUND_PAGE if exc.status_code == 404 else texts_zh.BAD_REQUEST)
            return JSONResponse({"error": f"http_{exc.status_code}", "message_zh": message},
                                status_code=exc.status_code, headers=getattr(exc, "headers", None))
        message = texts_zh.NOT_FOUND_PAGE if exc.status_code == 404 else (
            exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else texts_zh.BAD_REQUEST)
        return ctx.plain_page(request, message, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if _wants_json(request):
            return JSONResponse({"error": "invalid_request", "message_zh": texts_zh.BAD_REQUEST}, status_code=422)
        return ctx.plain_page(request, texts_zh.NOT_FOUND_PAGE, status_code=404)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error serving %s %s", request.method, request.url.path)
        if _wants_json(request):
            return JSONResponse({"error": "server_error", "message_zh": texts_zh.SERVER_ERROR}, status_code=500)
        return ctx.plain_page(request, texts_zh.SERVER_ERROR, status_code=500)

    from kiosk.web import api, pages, review_api

    api.add_routes(app, ctx)
    review_api.add_routes(app, ctx)
    pages.add_routes(app, ctx)
    return app


# Set on every response unless the route set its own.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # ticket tokens stay out of Referer
    (b"x-frame-options", b"DENY"),
)


class CsrfAndHeaders:
    """The CSRF double submit for every state-changing request, and the security headers.

    A plain ASGI middleware rather than `@app.middleware("http")`: Starlette's
    BaseHTTPMiddleware runs each request in a task group with a memory stream between
    the route and the client, which was a fifth of the event loop's time under a hall's
    load (profiled with bench/hall_load.py). This one only looks at the headers and adds
    three response headers on the way out; SSE streams pass through untouched.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in UNSAFE_METHODS:
            request = Request(scope)
            if not csrf_header_matches_cookie(request) and not is_device_request(request):
                refusal = JSONResponse({"error": "csrf", "message_zh": texts_zh.CSRF_FAILED}, status_code=403)
                await refusal(scope, receive, _with_security_headers(send))
                return
        await self.app(scope, receive, _with_security_headers(send))


def _with_security_headers(send):
    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            headers.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"

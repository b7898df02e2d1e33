"""The hall server's JSON API: staff session, counter operations, accounts, public board and lookups."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from kiosk.queueing.models import OPEN_STATUSES, Ticket
from kiosk.services.accounts import Account
from kiosk.services.kiosk_devices import KioskDevice
from kiosk.web import schemas as out
from kiosk.web import texts_zh
from kiosk.web.schemas import errors
from kiosk.web.security import (
    SESSION_COOKIE,
    DeviceToken,
    Permission,
    WindowTablet,
    clear_session_cookies,
    client_label,
    set_session_cookies,
)

# Counter operations by URL name -> (engine method, what the body must give).
COUNTER_ACTIONS = ("call", "recall", "start", "finish", "no-show", "transfer", "suspend", "resume", "pause", "open")
SPEECH_CACHE_SIZE = 64
SSE_PING_SECONDS = 15
# How long a kiosk's request may wait for a busy database (retried inside), then 503.
KIOSK_WAIT_SECONDS = 5.0
# An id the database cannot even hold is malformed (422), not a server error.
SQLITE_MAX_INTEGER = 2**63 - 1


class LoginBody(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class PasswordChangeBody(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class CounterBody(BaseModel):
    code: str | None = Field(default=None, max_length=12)  # call (特呼), resume
    to: str | None = Field(default=None, max_length=12)  # transfer


class NewAccountBody(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    role: Literal["window_staff", "county_auditor", "hall_manager"] = "window_staff"
    display_name: str = Field(default="", max_length=40)


class TakeNumberBody(BaseModel):
    queue: str = Field(min_length=1, max_length=8)
    # The kiosk reads the card and decides the class (e.g. elderly by age); the ID number
    # itself does not travel over the hall's network.
    priority: str = Field(default="normal", min_length=1, max_length=16)


class RatingBody(BaseModel):
    level: int = Field(ge=1, le=5)  # 5 非常满意 … 1 非常不满意 (kiosk.satisfaction)
    reasons: list[str] = Field(default_factory=list, max_length=8)
    comment: str = Field(default="", max_length=200)


class WindowRatingBody(RatingBody):
    code: str = Field(min_length=2, max_length=12)  # the ticket the tablet asked about


class DropoffLookupBody(BaseModel):
    # Something besides spaces in each (the schema says so, rather than a 422 the schema allowed).
    code: str = Field(max_length=32, pattern=r"\S")
    last4: str = Field(max_length=8, pattern=r"\S")


def add_routes(app: FastAPI, ctx) -> None:
    hall = ctx.hall
    accounts = hall.accounts
    viewer = Depends(Permission(accounts, "view"))
    counter = Depends(Permission(accounts, "counter"))
    manager = Depends(Permission(accounts, "manage_accounts"))
    auditor = Depends(Permission(accounts, "read_audit"))
    speech_cache: OrderedDict[int, bytes] = OrderedDict()

    # -- staff session ---------------------------------------------------------------------
    @app.post("/api/login", tags=["staff"], response_model=out.AccountEnvelope,
              responses=errors(401, 403, 409, 422, 423, 503))
    def login(body: LoginBody, request: Request, response: Response) -> dict:
        """Log in; sets the HttpOnly session cookie and the CSRF cookie. 401 wrong, 423 locked, 409 no manager yet."""
        session = accounts.login(body.username, body.password, client=client_label(request))
        max_age = int((session.expires_at - hall.clock.now()).total_seconds())
        set_session_cookies(request, response, session.token, max_age)
        return {"account": session.account.as_dict()}

    @app.post("/api/logout", tags=["staff"], response_model=out.Ok, responses=errors(403, 503))
    def logout(request: Request, response: Response) -> dict:
        accounts.logout(request.cookies.get(SESSION_COOKIE), client=client_label(request))
        clear_session_cookies(request, response)
        return {"ok": True}

    @app.get("/api/me", tags=["staff"], response_model=out.MeOut, responses=errors(401, 403))
    def me(account: Account = viewer) -> dict:
        return {"account": account.as_dict(), "may": {p: account.may(p) for p in
                                                      ("view", "counter", "manage_accounts", "read_audit", "read_followups", "handle_followups",
                                                       "view_dropoffs", "review_dropoffs")}}

    @app.post("/api/me/password", tags=["staff"], response_model=out.AccountEnvelope,
              responses=errors(400, 401, 403, 422, 423, 503))
    def change_password(body: PasswordChangeBody, request: Request, account: Account = viewer) -> dict:
        """Change one's own password: the old one and the new one (400 wrong old or refused new, 423 locked
        after wrong old ones). Audited; the account's other sessions end, this one stays."""
        changed = accounts.change_password(account, body.old_password, body.new_password,
                                           keep_session=request.cookies.get(SESSION_COOKIE),
                                           client=client_label(request))
        return {"account": changed.as_dict()}

    # -- the counter console ---------------------------------------------------------------
    @app.get("/api/counter", tags=["counter"], response_model=out.CounterSnapshot, responses=errors(401, 403))
    def counter_state(account: Account = viewer) -> dict:
        """Windows with their current ticket, each queue's waiting list and today's counts."""
        return counter_snapshot(hall)

    @app.post("/api/windows/{window}/{action}", tags=["counter"], response_model=out.CounterResultOut,
              responses=errors(400, 401, 403, 404, 409, 422, 503))
    def counter_action(window: int = Path(ge=1, le=9999), action: str = Path(max_length=16), body: CounterBody | None = None,
                       account: Account = counter) -> dict:
        """call (optionally `code`: 特呼), recall, start, finish, no-show, transfer (`to`, else 400), suspend,
        resume (`code`, else 400), pause, open. Each is recorded in the queue's event log with the staff member."""
        body = body or CounterBody()
        engine = hall.engine
        actor = f"staff:{account.username}"
        if action not in COUNTER_ACTIONS:
            raise HTTPException(404, detail=texts_zh.UNKNOWN_ACTION)
        if action == "call":
            result = (engine.call_ticket(window, body.code, actor=actor) if body.code
                      else engine.call_next(window, actor=actor))
        elif action == "transfer":
            if not body.to:
                raise HTTPException(400, detail=texts_zh.BAD_REQUEST)
            result = engine.transfer(window, body.to, actor=actor)
        elif action == "resume":
            if not body.code:
                raise HTTPException(400, detail=texts_zh.BAD_REQUEST)
            result = engine.resume(window, body.code, actor=actor)
        else:
            method = {"recall": engine.recall, "start": engine.start, "finish": engine.finish,
                      "no-show": engine.no_show, "suspend": engine.suspend, "pause": engine.pause_window,
                      "open": engine.resume_window}[action]
            result = method(window, actor=actor)
        ctx.feed.poke()
        return counter_result(result)

    @app.post("/api/tickets/{code}/reactivate", tags=["counter"], response_model=out.CounterResultOut,
              responses=errors(401, 403, 404, 409, 503))
    def reactivate(code: str, account: Account = counter) -> dict:
        """A no-show back in line, at the back."""
        result = hall.engine.reactivate(code, actor=f"staff:{account.username}")
        ctx.feed.poke()
        return counter_result(result)

    # -- accounts ------------------------------------------------------------------------------
    @app.get("/api/accounts", tags=["accounts"], response_model=out.AccountList, responses=errors(401, 403))
    def list_accounts(account: Account = auditor) -> dict:
        return {"accounts": [a.as_dict() for a in accounts.accounts()]}

    @app.post("/api/accounts", tags=["accounts"], status_code=201, response_model=out.AccountEnvelope,
              responses=errors(400, 401, 403, 409, 422, 503))
    def create_account(body: NewAccountBody, request: Request, account: Account = manager) -> dict:
        """A manager creates a window_staff or county_auditor account (managers only at the terminal)."""
        created = accounts.create_account(account, body.username, body.password, body.role, body.display_name,
                                          client=client_label(request))
        return {"account": created.as_dict()}

    @app.post("/api/accounts/{username}/{state}", tags=["accounts"], response_model=out.AccountEnvelope,
              responses=errors(401, 403, 404, 422, 503))
    def set_account_state(username: str, state: Literal["disable", "enable"], request: Request,
                          account: Account = manager) -> dict:
        changed = accounts.set_active(account, username, state == "enable", client=client_label(request))
        return {"account": changed.as_dict()}

    @app.get("/api/audit", tags=["accounts"], response_model=out.AuditList, responses=errors(401, 403))
    def audit(account: Account = auditor) -> dict:
        """Logins, lockouts and account changes, newest first (counter operations are in the queue's events)."""
        return {"entries": accounts.audit()}

    # -- kiosk devices -------------------------------------------------------------------------------
    device_token = Depends(DeviceToken(hall.kiosk_devices))

    @app.post("/api/kiosk/tickets", tags=["kiosk"], status_code=201, response_model=out.IssuedTicketOut,
              responses=errors(400, 401, 403, 409, 422, 503))
    def kiosk_take_number(body: TakeNumberBody, device: KioskDevice = device_token,
                          idempotency_key: str | None = Header(
                              default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                              description="one per tap: a repeated request with the same key (a retry after a "
                                          "timeout) returns the ticket the first drew, never a second number")
                          ) -> dict:
        """A kiosk device takes a number (`Authorization: Bearer <device token>`, from `kiosk device add`).
        No cookie and no CSRF header: a browser cannot send this header to another site unasked."""
        issued = hall.tickets.take_number(body.queue, body.priority, channel=f"kiosk:{device.name}",
                                          wait_seconds=KIOSK_WAIT_SECONDS,
                                          request_key=f"{device.name}:{idempotency_key}" if idempotency_key
                                          else None)
        if not issued.replayed:
            ctx.feed.poke()
        return {**issued.as_dict(), "link": hall.links.ticket(issued.ticket.id), "replayed": issued.replayed}

    @app.get("/api/kiosk/overview", tags=["kiosk"], response_model=out.KioskOverviewOut, responses=errors(401, 403))
    def kiosk_overview(device: KioskDevice = device_token) -> dict:
        """What a kiosk device's screens show: each queue's counts and wait, each window's current ticket."""
        overview = hall.tickets.overview()
        return {"business_day": hall.engine.today(),
                "queues": [kiosk_queue(status) for status in overview.queues],
                "windows": [{"number": w.number, "name": w.name, "queues": list(w.queues), "paused": w.paused,
                             "current": w.current.as_dict() if w.current else None} for w in overview.windows]}

    # -- the tablet facing the citizen at a window ---------------------------------------------------
    tablet = Depends(WindowTablet(hall.kiosk_devices, accounts))

    def known_window(window: int) -> int:
        if all(w.number != window for w in hall.settings.windows):
            raise HTTPException(404, detail=texts_zh.UNKNOWN_WINDOW)
        return window

    @app.get("/api/kiosk/windows/{window}/rating", tags=["kiosk"], response_model=out.WindowRatingPromptOut,
             responses=errors(401, 403, 404))
    def window_rating_prompt(window: int = Path(ge=1, le=9999), who: str = tablet) -> dict:
        """What the tablet at this window asks now: the ticket it has just finished (for a few minutes,
        until it calls somebody else, and only while unrated), or nothing (the tablet says 欢迎).
        A device token (`Authorization: Bearer`) or a staff session allowed to work a counter."""
        prompt = hall.ratings.window_prompt(known_window(window))
        return {"window": window, "ticket": {"code": prompt.code} if prompt else None}

    @app.post("/api/kiosk/windows/{window}/rating", tags=["kiosk"], status_code=201, response_model=out.RatingOut,
              responses=errors(401, 403, 404, 409, 422))
    def window_rating(body: WindowRatingBody, window: int = Path(ge=1, le=9999), who: str = tablet) -> dict:
        """The citizen rates, on the tablet at this window, the ticket the window finished in the last
        minutes (channel "window"). 422 for a 差评 without a reason, 409 already rated or too late."""
        rating = hall.ratings.rate_at_window(known_window(window), body.code, body.level, body.reasons, body.comment)
        return {"rating": {"level": rating.level, "level_zh": rating.level_zh, "followup": rating.followup},
                "message_zh": texts_zh.RATING_THANKS_BAD if rating.is_bad else texts_zh.RATING_THANKS}

    # -- public: the hall display and the ticket pages --------------------------------------------
    @app.get("/api/board", tags=["public"], response_model=out.BoardOut)
    def board() -> dict:
        """What the wall display shows: each window's current number, the latest calls, waiting counts."""
        return hall.board.board().as_dict()

    @app.get("/api/live", tags=["public"], response_class=EventSourceResponse,
             responses={200: {"content": {"text/event-stream": {}}, "description": "hello, then change events"}})
    async def live(request: Request):
        """Server-Sent Events: `change` (with the new calls to announce) whenever the board changes."""

        async def stream():
            async with ctx.feed.subscription() as queue:
                yield {"event": "hello", "data": json.dumps({"last_event_id": ctx.feed.last_event_id})}
                while True:
                    message = await queue.get()
                    yield {"event": "change", "id": str(message["last_event_id"]), "data": message["data"]}

        return EventSourceResponse(stream(), ping=SSE_PING_SECONDS, headers={"Cache-Control": "no-store"})

    @app.get("/api/speech/{event_id}.wav", tags=["public"], response_class=Response,
             responses={200: {"content": {"audio/wav": {}}, "description": "the spoken call"}, **errors(404, 422)})
    def speech(event_id: int = Path(ge=1, le=SQLITE_MAX_INTEGER)) -> Response:
        """A call's announcement as WAV (espeak-ng), for displays whose browser has no Chinese voice.
        Only calls of the event log can be spoken: the server never says text it is sent."""
        audio = speech_cache.get(event_id)
        if audio is None:
            call = hall.board.call(event_id)
            if call is None:
                raise HTTPException(404, detail=texts_zh.NOT_FOUND_PAGE)
            audio = ctx.speech(call.speech)
            if audio is None:
                raise HTTPException(404, detail=texts_zh.NO_AUDIO)
            speech_cache[event_id] = audio
            while len(speech_cache) > SPEECH_CACHE_SIZE:
                speech_cache.popitem(last=False)
        return Response(audio, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/api/tickets/{token}", tags=["public"], response_model=out.TicketProgressOut, responses=errors(404))
    def ticket_progress(token: str) -> dict:
        """A ticket's progress by the token of its QR code (404 for an unknown or forged token)."""
        progress = progress_by_token(hall, token)
        if progress is None:
            raise HTTPException(404, detail=texts_zh.TICKET_NOT_FOUND)
        return progress.as_dict() | {"rating": rating_state_by_token(hall, token).as_dict()}

    @app.post("/api/tickets/{token}/rating", tags=["public"], status_code=201, response_model=out.RatingOut,
              responses=errors(403, 404, 409, 422))
    def rate_ticket(token: str, body: RatingBody) -> dict:
        """The citizen rates a finished ticket (好差评), once, the same day. No login: the token of the
        ticket's QR is the proof; CSRF double submit like every POST. 422 for a 差评 without a reason,
        409 already rated / not finished / too late."""
        ticket_id = hall.engine.holder_key.ticket_id_from_link(token)
        if ticket_id is None:
            raise HTTPException(404, detail=texts_zh.TICKET_NOT_FOUND)
        rating = hall.ratings.rate_ticket(ticket_id, body.level, body.reasons, body.comment, channel="phone")
        return {"rating": {"level": rating.level, "level_zh": rating.level_zh, "followup": rating.followup},
                "message_zh": texts_zh.RATING_THANKS_BAD if rating.is_bad else texts_zh.RATING_THANKS}

    @app.post("/api/dropoff/progress", tags=["public"], response_model=out.DropoffProgressOut,
              responses=errors(403, 404, 409, 422, 429, 503))
    def dropoff_progress(body: DropoffLookupBody, request: Request) -> dict:
        """A drop-off's progress by its code and the ID number's last 4 (rate-limited per client)."""
        progress = hall.dropoff.progress_by_code(body.code, body.last4, source=f"web:{client_label(request)}")
        return progress_dict(progress)

    @app.get("/api/health", tags=["public"], response_model=out.HealthOut)
    def health() -> dict:
        return {"ok": True, "hall": hall.settings.hall.name, "live_clients": ctx.feed.subscribers}


def kiosk_queue(status) -> dict:
    estimate = status.estimate_for_next
    return {**{k: v for k, v in status.__dict__.items() if k != "estimate_for_next"},
            "estimate_for_next": {"low": estimate.low_minutes, "high": estimate.high_minutes,
                                  "text": estimate.text_zh, "open_windows": estimate.open_windows,
                                  "basis": estimate.basis}}


def progress_by_token(hall, token: str):
    ticket_id = hall.engine.holder_key.ticket_id_from_link(token)
    if ticket_id is None:
        return None
    return hall.board.ticket_progress(ticket_id)


def rating_state_by_token(hall, token: str):
    """May the ticket behind this (already checked) token be rated now, or was it rated?"""
    return hall.ratings.ticket_state(hall.engine.holder_key.ticket_id_from_link(token))


def progress_dict(progress) -> dict:
    return {
        "code": progress.code, "matter_name": progress.matter_name, "status": progress.status,
        "status_zh": progress.status_zh, "masked_name": progress.masked_name,
        "submitted_at": progress.submitted_at.isoformat(),
        "review_on": progress.review_on.isoformat() if progress.review_on else None,
        "case_number": progress.case_number,
        "due_on": progress.due_on.isoformat() if progress.due_on else None,
        "note_zh": progress.note_zh,
        "steps": [{"at": step.at.strftime("%Y-%m-%d %H:%M"), "status": step.status, "text": step.text_zh}
                  for step in progress.steps],
    }


def counter_result(result) -> dict:
    return {"action": result.action, "window": result.window_number, "announcement": result.announcement,
            "ticket": public_ticket(result.ticket) if result.ticket else None, **{
                k: v for k, v in result.extra.items() if isinstance(v, (str, int, float, bool, type(None)))}}


def public_ticket(ticket: Ticket) -> dict[str, Any]:
    """A ticket as staff see it: number, queue, state, priority class. No holder data at all
    (the database has only a keyed hash of the holder, cleared after the day)."""
    return {"code": ticket.code, "queue": ticket.queue_id, "status": ticket.status, "priority": ticket.priority,
            "window": ticket.window_number, "recall_count": ticket.recall_count,
            "arrival_at": ticket.arrival_at.strftime("%H:%M"),
            "called_at": ticket.called_at.strftime("%H:%M") if ticket.called_at else None}


def counter_snapshot(hall) -> dict:
    engine = hall.engine
    tickets = engine.tickets(statuses=OPEN_STATUSES + ("no_show",))
    queues = []
    for status in engine.status():
        mine = [t for t in tickets if t.queue_id == status.queue_id]
        queues.append({
            "id": status.queue_id, "name": status.name,
            "waiting": [public_ticket(t) for t in mine if t.status == "waiting"],
            "suspended": [public_ticket(t) for t in mine if t.status == "suspended"],
            "no_show": [public_ticket(t) for t in mine if t.status == "no_show"],
            "counts": {"issued": status.issued, "waiting": status.waiting, "at_window": status.at_window,
                       "finished": status.finished, "no_show": status.no_show, "suspended": status.suspended,
                       "transferred_in": status.transferred_in},
            "wait_text": status.estimate_for_next.text_zh,
        })
    windows = [{"number": w.number, "name": w.name, "queues": list(w.queues), "paused": w.paused,
                "current": public_ticket(w.current) if w.current else None} for w in engine.windows()]
    return {"hall_name": hall.settings.hall.name, "business_day": engine.today(), "windows": windows,
            "queues": queues, "last_event_id": engine.last_event_id()}

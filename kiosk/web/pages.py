"""The hall server's pages: counter console, manager page, hall display, phone pages.

Server-rendered (Jinja2, autoescaped) with a little vanilla JavaScript from
/static: no build step, nothing loaded from another site, so the hall works with
its Internet line down.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kiosk.services.accounts import NO_MANAGER_ZH, ROLE_NAMES_ZH, ROLES_FROM_CONSOLE
from kiosk.web import texts_zh
from kiosk.web.api import progress_by_token, rating_state_by_token
from kiosk.web.security import session_account


def add_routes(app: FastAPI, ctx) -> None:
    hall = ctx.hall

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        catalogue = hall.guides.catalogue()
        return ctx.page(request, "index.html", guides=list(catalogue))

    # -- staff -------------------------------------------------------------------------------
    @app.get("/staff", response_class=HTMLResponse, include_in_schema=False)
    def console(request: Request):
        account = session_account(request, hall.accounts)
        if account is None:
            no_manager = "" if hall.accounts.has_manager() else NO_MANAGER_ZH
            return ctx.page(request, "login.html", no_manager=no_manager)
        windows = [{"number": w.number, "name": w.name, "queues": list(w.queues)} for w in hall.settings.windows]
        queues = [{"id": q.id, "name": q.name} for q in hall.settings.queues]
        return ctx.page(request, "console.html", account=account, windows=windows, queues=queues,
                        may_counter=account.may("counter"), may_manage=account.may("manage_accounts"),
                        may_followups=account.may("read_followups"), may_dropoffs=account.may("view_dropoffs"))

    @app.get("/staff/accounts", response_class=HTMLResponse, include_in_schema=False)
    def accounts_page(request: Request):
        account = session_account(request, hall.accounts)
        if account is None:
            return RedirectResponse("/staff", status_code=303)
        if not account.may("manage_accounts"):
            return ctx.plain_page(request, texts_zh.FORBIDDEN, status_code=403)
        roles = [(role, ROLE_NAMES_ZH[role]) for role in ROLES_FROM_CONSOLE]
        return ctx.page(request, "accounts.html", account=account, roles=roles)

    @app.get("/staff/followups", response_class=HTMLResponse, include_in_schema=False)
    def followups_page(request: Request):
        account = session_account(request, hall.accounts)
        if account is None:
            return RedirectResponse("/staff", status_code=303)
        if not account.may("read_followups"):
            return ctx.plain_page(request, texts_zh.FORBIDDEN, status_code=403)
        return ctx.page(request, "followups.html", account=account,
                        may_handle=account.may("handle_followups"))

    @app.get("/staff/dropoffs", response_class=HTMLResponse, include_in_schema=False)
    def dropoffs_page(request: Request):
        from kiosk.dropoff.models import CORRECTION_REASONS

        account = session_account(request, hall.accounts)
        if account is None:
            return RedirectResponse("/staff", status_code=303)
        if not account.may("view_dropoffs"):
            return ctx.plain_page(request, texts_zh.FORBIDDEN, status_code=403)
        return ctx.page(request, "dropoffs_inbox.html", account=account,
                        may_review=account.may("review_dropoffs"), reasons=list(CORRECTION_REASONS.items()))

    # -- the tablet facing the citizen at a window -------------------------------------------------------
    @app.get("/window/{window}", response_class=HTMLResponse, include_in_schema=False)
    def window_rating_page(request: Request, window: int):
        # The page holds nothing: what it shows comes from /api/kiosk/windows/N/rating, which asks
        # for a device token (kept in the tablet's browser) or a counter session.
        if all(w.number != window for w in hall.settings.windows):
            return ctx.plain_page(request, texts_zh.UNKNOWN_WINDOW, status_code=404)
        return ctx.page(request, "window_rating.html", window=window, levels=hall.ratings.levels(),
                        reasons=hall.ratings.reasons())

    # -- the wall display ----------------------------------------------------------------------
    @app.get("/display", response_class=HTMLResponse, include_in_schema=False)
    def display(request: Request):
        return ctx.page(request, "display.html", board=hall.board.board())

    # -- phone pages ---------------------------------------------------------------------------
    @app.get("/t/{token}", response_class=HTMLResponse, include_in_schema=False)
    def ticket_page(request: Request, token: str):
        progress = progress_by_token(hall, token)
        if progress is None:
            return ctx.plain_page(request, texts_zh.TICKET_NOT_FOUND, status_code=404)
        return ctx.page(request, "ticket.html", progress=progress, token=token,
                        rating=rating_state_by_token(hall, token), levels=hall.ratings.levels(),
                        reasons=hall.ratings.reasons())

    @app.get("/g/{guide_id}", response_class=HTMLResponse, include_in_schema=False)
    def guide_page(request: Request, guide_id: str):
        guide = hall.guides.guide(guide_id) if len(guide_id) <= 80 else None
        if guide is None:
            return ctx.plain_page(request, texts_zh.GUIDE_NOT_FOUND, status_code=404)
        fields = guide.display_fields(dropoff_available=hall.features.dropoff)
        return ctx.page(request, "guide.html", guide=guide, fields=fields)

    @app.get("/guides/{guide_id}", include_in_schema=False)
    def guide_old_address(guide_id: str):
        # Printed notice-board catalogues (kiosk guides export) carry /guides/<id> in their QR codes.
        if len(guide_id) > 80:
            raise HTTPException(404)
        return RedirectResponse(f"/g/{guide_id}", status_code=308)

    @app.get("/d", response_class=HTMLResponse, include_in_schema=False)
    def dropoff_page(request: Request):
        return ctx.page(request, "dropoff.html", code="")

    @app.get("/d/{code}", response_class=HTMLResponse, include_in_schema=False)
    def dropoff_page_for_code(request: Request, code: str):
        # The receipt's QR: the code is filled in; the last 4 of the ID number are
        # still asked (the QR alone, photographed off a dropped receipt, shows nothing).
        from kiosk.dropoff.codes import looks_like_code, normalise_code

        return ctx.page(request, "dropoff.html", code=normalise_code(code) if looks_like_code(code) else "")

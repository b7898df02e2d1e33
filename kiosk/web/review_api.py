"""The hall server's review routes: open alerts, the 差评 follow-up and the drop-off inbox.

Who sees what (kiosk.services.accounts.PERMISSIONS):

- alerts: every logged-in role (a long wait is something a clerk can act on too);
- 差评 follow-up: the hall manager handles it, the county auditor reads it; window staff
  see none, not even their own (the comment and the time can point at the citizen, and
  it is the manager who calls back);
- drop-offs: window staff and managers review them and see their pages; the county
  auditor reads the list and each case's audit trail with the holder's name and phone
  masked, and never sees a scan.

Every action is recorded by its service with the actor `staff:<account name>`.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, FastAPI, Path, Query, Response
from pydantic import BaseModel, Field

from kiosk.dropoff.models import CORRECTION_REASONS, OPEN_STATUSES, STATUS_ZH
from kiosk.services.accounts import Account
from kiosk.web import schemas as out
from kiosk.web.schemas import SOME_VISIBLE_TEXT, errors
from kiosk.web.security import Permission

SQLITE_MAX_INTEGER = 2**63 - 1
CorrectionReason = Literal[tuple(CORRECTION_REASONS)]  # type: ignore[valid-type]
DropoffCode = Path(min_length=1, max_length=32, description="the drop-off's code, e.g. K7MWCE3R")


class FollowupBody(BaseModel):
    note: str = Field(min_length=1, max_length=500, pattern=SOME_VISIBLE_TEXT, description="what was done, e.g. 已电话回访并致歉")


class CorrectionBody(BaseModel):
    reasons: list[CorrectionReason] = Field(default_factory=list, max_length=len(CORRECTION_REASONS))
    text: str = Field(default="", max_length=200, description="words for the citizen besides the reasons")


class RejectBody(BaseModel):
    reason: str = Field(min_length=1, max_length=200, pattern=SOME_VISIBLE_TEXT)


def add_routes(app: FastAPI, ctx) -> None:
    hall = ctx.hall
    accounts = hall.accounts
    viewer = Depends(Permission(accounts, "view"))
    followup_reader = Depends(Permission(accounts, "read_followups"))
    followup_handler = Depends(Permission(accounts, "handle_followups"))
    dropoff_reader = Depends(Permission(accounts, "view_dropoffs"))
    dropoff_reviewer = Depends(Permission(accounts, "review_dropoffs"))

    # -- alerts ------------------------------------------------------------------------------------
    @app.get("/api/alerts", tags=["review"], response_model=out.AlertList, responses=errors(401, 403, 503))
    def open_alerts(account: Account = viewer) -> dict:
        """The open staff alerts, oldest first: the [stats] thresholds (a wait past long_wait_minutes, a long
        queue, open 差评 follow-ups …) and the devices'."""
        return {"alerts": [{"id": a.id, "at": a.at, "source": a.source, "level": a.level, "code": a.code,
                            "message_zh": a.message_zh} for a in hall.alerts.open_alerts()]}

    # -- the 差评 follow-up ------------------------------------------------------------------------
    @app.get("/api/ratings/followups", tags=["review"], response_model=out.FollowupList,
             responses=errors(401, 403, 422, 503))
    def followups(state: Literal["open", "handled"] = Query("open"), account: Account = followup_reader) -> dict:
        """The open 差评 (oldest first) or the handled ones (newest first, the last 200)."""
        return {"followups": [followup_dict(item.as_dict()) for item in hall.ratings.followups(state)],
                "may_handle": account.may("handle_followups")}

    @app.post("/api/ratings/{rating_id}/followup", tags=["review"], response_model=out.FollowupEnvelope,
              responses=errors(401, 403, 404, 409, 422, 503))
    def handle_followup(body: FollowupBody, rating_id: int = Path(ge=1, le=SQLITE_MAX_INTEGER),
                        account: Account = followup_handler) -> dict:
        """已处理: the hall manager closes a 差评's follow-up with a note (recorded in rating_audit).
        409 when it has no open follow-up."""
        hall.ratings.handle_followup(rating_id, account, body.note)
        return {"followup": followup_dict(hall.ratings.followup(rating_id).as_dict())}

    # -- the drop-off inbox ----------------------------------------------------------------------
    @app.get("/api/dropoffs", tags=["dropoff review"], response_model=out.DropoffList,
             responses=errors(401, 403, 422, 503))
    def dropoffs(status: out.DropoffListFilter = Query("submitted"),
                 account: Account = dropoff_reader) -> dict:
        """Drop-offs by status, oldest first: `submitted` (the inbox: waiting for review), `open` (every case
        not closed), `all`, or one status."""
        views = hall.dropoff.list(None if status in ("open", "all") else status)
        if status == "open":
            views = [v for v in views if v.status in OPEN_STATUSES]
        return {"dropoffs": [dropoff_item(v) for v in views], "may_review": account.may("review_dropoffs")}

    @app.get("/api/dropoffs/{code}", tags=["dropoff review"], response_model=out.DropoffEnvelope,
             responses=errors(401, 403, 404, 422, 503))
    def dropoff(code: str = DropoffCode, account: Account = dropoff_reader) -> dict:
        """One drop-off with its pages (their numbers) and audit trail; the view is audited."""
        may_review = account.may("review_dropoffs")
        view = hall.dropoff.show(code, actor=f"staff:{account.username}", with_contact=may_review)
        return detail(view, may_review)

    @app.get("/api/dropoffs/{code}/pages/{number}.jpg", tags=["dropoff review"], response_class=Response,
             responses={200: {"content": {"image/jpeg": {}}, "description": "the page, decrypted in memory"},
                        **errors(401, 403, 404, 409, 422, 503)})
    def dropoff_page(code: str = DropoffCode, number: int = Path(ge=1, le=10_000),
                     account: Account = dropoff_reviewer) -> Response:
        """One page's JPEG for the reviewing window: decrypted in memory, never written to disk, never
        cached (`no-store`). 409 once the scans were deleted after the retention period."""
        jpeg = hall.dropoff.page(code, number, actor=f"staff:{account.username}")
        return Response(jpeg, media_type="image/jpeg",
                        headers={"Cache-Control": "no-store, private", "Pragma": "no-cache"})

    def act(code: str, account: Account, do) -> dict:
        return detail(do(f"staff:{account.username}"), True)

    review_errors = errors(401, 403, 404, 409, 422, 503)

    @app.post("/api/dropoffs/{code}/accept", tags=["dropoff review"], response_model=out.DropoffEnvelope,
              responses=review_errors)
    def accept(code: str = DropoffCode, account: Account = dropoff_reviewer) -> dict:
        """受理: assigns the case number 办件编号; the promised time limit starts. 409 if not submitted/补正."""
        return act(code, account, lambda actor: hall.dropoff.accept(code, actor))

    @app.post("/api/dropoffs/{code}/correction", tags=["dropoff review"], response_model=out.DropoffEnvelope,
              responses=review_errors)
    def correction(body: CorrectionBody, code: str = DropoffCode, account: Account = dropoff_reviewer) -> dict:
        """补正: reasons from the list and/or words for the citizen (409 with neither, or not submitted)."""
        return act(code, account, lambda actor: hall.dropoff.request_correction(code, list(body.reasons),
                                                                                body.text, actor))

    @app.post("/api/dropoffs/{code}/reject", tags=["dropoff review"], response_model=out.DropoffEnvelope,
              responses=review_errors)
    def reject(body: RejectBody, code: str = DropoffCode, account: Account = dropoff_reviewer) -> dict:
        """不予受理, with the reason the citizen reads."""
        return act(code, account, lambda actor: hall.dropoff.reject(code, body.reason, actor))

    @app.post("/api/dropoffs/{code}/ready", tags=["dropoff review"], response_model=out.DropoffEnvelope,
              responses=review_errors)
    def ready(code: str = DropoffCode, account: Account = dropoff_reviewer) -> dict:
        """办好: the result waits at 综合出件 (409 unless accepted)."""
        return act(code, account, lambda actor: hall.dropoff.mark_ready(code, actor))

    @app.post("/api/dropoffs/{code}/collected", tags=["dropoff review"], response_model=out.DropoffEnvelope,
              responses=review_errors)
    def collected(code: str = DropoffCode, account: Account = dropoff_reviewer) -> dict:
        """已领取: closes the case (409 unless ready)."""
        return act(code, account, lambda actor: hall.dropoff.mark_collected(code, actor))


FOLLOWUP_FIELDS = tuple(out.FollowupOut.model_fields)


def followup_dict(data: dict) -> dict:
    return {key: data[key] for key in FOLLOWUP_FIELDS}


def dropoff_item(view) -> dict:
    return {"code": view.code, "matter_name": view.matter_name, "status": view.status,
            "status_zh": STATUS_ZH[view.status], "channel": view.channel,
            "submitted_at": view.submitted_at.isoformat(), "page_count": view.page_count,
            "masked_name": view.masked_name,
            "review_on": view.review_on.isoformat() if view.review_on else None,
            "case_number": view.case_number, "due_on": view.due_on.isoformat() if view.due_on else None}


def detail(view, may_review: bool) -> dict:
    data = view.as_dict()
    data |= {"status_zh": STATUS_ZH[view.status], "may_review": may_review,
             "pages": [{k: p[k] for k in out.DropoffPageOut.model_fields} for p in data["pages"]]}
    return {"dropoff": {key: data[key] for key in out.DropoffDetail.model_fields}}

"""The second kiosk: numbers and the hall overview come from the hall server's API.

A second kiosk in the same hall (`[server] hall_url`) holds no queue of its own: the
hall box's database is the one place numbers are drawn. `RemoteTicketService` has
the methods the screens already call on the local TicketService (take_number,
overview, issuing_state, priority_for_age, window_hint, clock_needs_confirming), so
the composition root picks one or the other and the screens do not know which.

What a citizen sees when the hall box cannot be reached (down, network cut, 5xx):
服务暂不可用，请到窗口取号, and no number. The kiosk never invents one locally. A
background probe keeps asking the hall server (`HallLink`), raises a staff alert on
this kiosk while it cannot, and clears it when the server answers again.

A tap is one request with one idempotency key (`Idempotency-Key`). If the answer is
lost (a timeout after the server may have drawn the number), the retry carries the
same key and the server returns the ticket it drew, never a second number.

The device token (from `kiosk device add` on the hall box) is read from a file, never
from the settings, and never logged: `$CREDENTIALS_DIRECTORY/qinxin-device-token`
(systemd's LoadCredentialEncrypted=, as the drop-off key), else `[server]
device_token_file`, else `<data_dir>/device.token`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Callable

import httpx

from devices.base.clock import Clock
from devices.base.errors import ConfigError, KioskError
from kiosk import texts_zh
from kiosk.config import Settings
from kiosk.periodic import PeriodicThread
from kiosk.queueing.models import IssuedTicket, QueueStatus, Ticket, WaitEstimate, WindowStatus
from kiosk.services.ticketing import HallOverview, HallRules

log = logging.getLogger(__name__)

CREDENTIAL_NAME = "qinxin-device-token"
TOKEN_FILE_NAME = "device.token"
TOKEN_PATTERN = re.compile(r"^qxk_[A-Za-z0-9_-]{20,200}$")
# One request: connecting, then the whole answer. A number is drawn in well under a
# second on the hall box; the server itself waits at most 5 s for a busy database.
CONNECT_TIMEOUT_SECONDS = 2.0
REQUEST_TIMEOUT_SECONDS = 8.0
# A tap keeps retrying (same key) this long while the hall server was reachable before it.
DRAW_RETRY_SECONDS = 12.0
RETRY_PAUSE_SECONDS = (0.3, 0.6, 1.0, 2.0)
# How often the background probe asks the hall server whether it answers.
PROBE_SECONDS = 5.0


class HallUnavailable(KioskError):
    """The hall server cannot be reached or failed (5xx): no number, ask at the window."""

    code = "hall_unavailable"

    def __init__(self, message_en: str) -> None:
        super().__init__(message_en, texts_zh.HALL_UNAVAILABLE)


class HallRefused(KioskError):
    """The hall server refused the request for a reason of its own (closed, daily cap…): its words."""

    def __init__(self, code: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh or texts_zh.HALL_UNAVAILABLE)
        self.code = code


def find_device_token(data_dir: Path, token_file: str = "", settings_file: str = "") -> str:
    """This kiosk's device token, from the first place that has one. Raises ConfigError."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    places: list[Path] = []
    if credentials:
        places.append(Path(credentials) / CREDENTIAL_NAME)
    if token_file:
        path = Path(token_file)
        if not path.is_absolute() and settings_file:
            path = Path(settings_file).parent / path
        places.append(path)
    places.append(Path(data_dir) / TOKEN_FILE_NAME)
    for place in places:
        try:
            token = place.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(settings_file or "hall.toml", "server.device_token_file",
                              f"the device token file {place} cannot be read ({type(exc).__name__})",
                              "write the token `kiosk device add` printed on the hall box into it, "
                              "readable by the kiosk's user only (chmod 600)") from None
        if not TOKEN_PATTERN.match(token):
            # The token itself is never echoed, not even a wrong one.
            raise ConfigError(settings_file or "hall.toml", "server.device_token_file",
                              f"{place} does not hold a device token (qxk_…)",
                              "copy the whole token `kiosk device add NAME` printed on the hall box")
        if place.stat().st_mode & 0o077:
            log.warning("the device token file %s is readable by other users: chmod 600 it", place)
        return token
    raise ConfigError(settings_file or "hall.toml", "server.hall_url",
                      "a second kiosk needs its device token, found in none of: "
                      + ", ".join(str(p) for p in places),
                      f"run `kiosk device add NAME` on the hall box and save the token in {places[-1]} "
                      "(chmod 600)")


class HallLink:
    """HTTP to the hall server with this kiosk's device token, and whether it answers now.

    `available` is None until the first answer, then True/False; `on_change(available,
    reason_en)` hears each change (the composition root turns it into a staff alert).
    """

    def __init__(self, hall_url: str, token: str, *, probe_seconds: float = PROBE_SECONDS,
                 on_change: Callable[[bool, str], None] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.hall_url = hall_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.hall_url, headers={"Authorization": f"Bearer {token}"}, transport=transport,
            timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS), trust_env=False)
        self.on_change = on_change
        self.available: bool | None = None
        self._lock = threading.Lock()
        self._probe = PeriodicThread("hall-link-probe", self.probe, probe_seconds)

    def start(self) -> None:
        self._probe.start()

    def stop(self) -> None:
        self._probe.stop()
        self._client.close()

    def probe(self) -> None:
        """Ask the hall server once (the overview); record whether it answered."""
        try:
            self.request("GET", "/api/kiosk/overview")
        except KioskError:
            pass  # request() has recorded it

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request. Raises HallUnavailable (no answer, 5xx, token refused) or HallRefused (4xx)."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            reason = f"hall server {self.hall_url} not answering: {type(exc).__name__}"
            self._record(False, reason)
            raise HallUnavailable(reason) from None
        if response.status_code >= 500:
            reason = f"hall server {self.hall_url} answered {response.status_code} to {method} {path}"
            self._record(False, reason)
            raise HallUnavailable(reason)
        if response.status_code in (401, 403):
            reason = (f"hall server {self.hall_url} refused this kiosk's device token ({response.status_code}): "
                      "disabled, or not the one `kiosk device add` printed")
            self._record(False, reason)
            raise HallUnavailable(reason)
        self._record(True, f"hall server {self.hall_url} answers")
        if response.status_code >= 400:
            body = _json(response)
            raise HallRefused(str(body.get("error") or f"http_{response.status_code}"),
                              str(body.get("message_en") or f"hall server refused: {response.status_code}"),
                              str(body.get("message_zh") or ""))
        return response

    def _record(self, available: bool, reason: str) -> None:
        with self._lock:
            changed = available != self.available
            self.available = available
        if changed:
            (log.info if available else log.error)("%s", reason)
            if self.on_change is not None:
                try:
                    self.on_change(available, reason)
                except Exception:  # an alert that cannot be written must not break the request
                    log.exception("recording the hall server's state failed")


class RemoteTicketService(HallRules):
    """The screens' ticket service on a second kiosk: every number from the hall server."""

    def __init__(self, settings: Settings, clock: Clock, link: HallLink) -> None:
        super().__init__(settings, clock)
        self.link = link

    def overview(self) -> HallOverview:
        """The hall's queues and windows from the hall server (raises HallUnavailable)."""
        data = _json(self.link.request("GET", "/api/kiosk/overview"))
        return HallOverview(self.issuing_state(), [_queue_status(q) for q in data["queues"]],
                            [_window_status(w) for w in data["windows"]])

    def take_number(self, queue_id: str, priority: str = "normal", id_number: str | None = None, *,
                    channel: str = "kiosk", wait_seconds: float | None = None,
                    on_still_waiting: Callable[[float], None] | None = None,
                    cancelled: threading.Event | None = None) -> IssuedTicket:
        """Draw a number on the hall server, or raise (HallUnavailable, HallRefused, …).

        The ID number never leaves this kiosk: the priority class was decided here from
        the card. One key for the tap; a lost answer is asked again with that key while
        time is left, so the citizen gets exactly one number or none.
        """
        key = secrets.token_urlsafe(18)
        reachable_before = self.link.available is not False
        budget = DRAW_RETRY_SECONDS if wait_seconds is None else min(wait_seconds, DRAW_RETRY_SECONDS)
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                response = self.link.request("POST", "/api/kiosk/tickets", json={"queue": queue_id, "priority": priority},
                                             headers={"Idempotency-Key": key})
                return _issued(_json(response))
            except HallUnavailable:
                waited = time.monotonic() - started
                pause = RETRY_PAUSE_SECONDS[min(attempt, len(RETRY_PAUSE_SECONDS) - 1)]
                attempt += 1
                # Known down before this tap: say so now, the probe goes on asking.
                if not reachable_before or waited + pause >= budget or (cancelled is not None and cancelled.is_set()):
                    log.warning("no ticket for queue %s: hall server unavailable (%d attempt(s), %.1f s)",
                                queue_id, attempt, waited)
                    raise
                if on_still_waiting is not None:
                    on_still_waiting(waited)
                time.sleep(pause)

    def clock_needs_confirming(self) -> bool:
        return False  # the clock check is the hall box's: numbers are drawn there

    def confirm_clock(self, actor: str = "staff") -> Any:
        raise HallRefused("clock_on_hall_box", "the clock is confirmed on the hall box, not on a second kiosk",
                          texts_zh.CLOCK_ON_HALL_BOX)


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _ticket(data: dict) -> Ticket:
    return Ticket(
        id=data["id"], queue_id=data["queue_id"], business_day=data["business_day"], number=data["number"],
        code=data["code"], priority=data["priority"], status=data["status"], channel=data["channel"],
        arrival_at=_time(data["arrival_at"]), issued_at=_time(data["issued_at"]), called_at=_time(data["called_at"]),
        started_at=_time(data["started_at"]), finished_at=_time(data["finished_at"]),
        window_number=data["window_number"], recall_count=data["recall_count"],
        origin_ticket_id=data["origin_ticket_id"], transferred_to_id=data["transferred_to_id"])


def _estimate(data: dict) -> WaitEstimate:
    return WaitEstimate(data["low"], data["high"], data["open_windows"], data["basis"])


def _queue_status(data: dict) -> QueueStatus:
    fields = {k: v for k, v in data.items() if k != "estimate_for_next"}
    return QueueStatus(**fields, estimate_for_next=_estimate(data["estimate_for_next"]))


def _window_status(data: dict) -> WindowStatus:
    return WindowStatus(data["number"], data["name"], tuple(data["queues"]), data["paused"],
                        _ticket(data["current"]) if data["current"] else None)


def _issued(data: dict) -> IssuedTicket:
    issued_at = _time(data["issued_at"])
    number = int(re.sub(r"\D", "", data["code"]) or 0)
    ticket = Ticket(data["ticket_id"], data["queue"], data["business_day"], number, data["code"], data["priority"],
                    "waiting", "remote", issued_at, issued_at, None, None, None, None, 0, None, None)
    estimate = WaitEstimate(data["wait_minutes_low"], data["wait_minutes_high"], data["wait_open_windows"],
                            data["wait_basis"], after_break=data.get("wait_after_break") or "",
                            low_at=data.get("wait_low_at") or "", high_at=data.get("wait_high_at") or "",
                            break_stop_at=data.get("wait_break_stop_at") or "",
                            break_resume_at=data.get("wait_break_resume_at") or "",
                            past_closing=bool(data.get("wait_past_closing")))
    return IssuedTicket(ticket, data["queue_name"], data["people_ahead"], estimate,
                        replayed=bool(data.get("replayed")), link=data.get("link") or "")

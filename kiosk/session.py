"""The citizen session: everything the kiosk knows about the person at the screen.

One object holds all personal data of the current visit (the holder read from the
ID card, the ticket just drawn, what was typed into search), so forgetting a person
is one call: `wipe()`. The app wipes on idle timeout, on "完成", and in its crash
handler. `repr` never shows personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class CitizenSession:
    # The card holder (devices.idcard.holder.Holder) and facts derived on reading.
    holder: Any = None
    holder_age: int | None = None
    holder_expired: bool = False
    # Priority class the holder qualifies for ("normal" or e.g. "elderly").
    priority: str = "normal"
    # The ticket drawn in this visit (kiosk.queueing.models.IssuedTicket) and its print outcome.
    ticket: Any = None
    print_outcome: Any = None
    # Guides: the initials typed on the keypad and the guide being read.
    search_text: str = ""
    guide_id: str | None = None
    # Free notes a flow keeps for itself (half-done steps); wiped with the rest.
    scratch: dict = field(default_factory=dict)
    started_at: dt.datetime | None = None
    wipes: int = 0

    @property
    def is_empty(self) -> bool:
        return (self.holder is None and self.ticket is None and self.print_outcome is None
                and not self.search_text and self.guide_id is None and not self.scratch
                and self.priority == "normal" and self.holder_age is None)

    @property
    def has_card(self) -> bool:
        return self.holder is not None

    @property
    def masked_name(self) -> str:
        return self.holder.masked_name if self.holder is not None else ""

    @property
    def masked_id(self) -> str:
        return self.holder.masked_id if self.holder is not None else ""

    @property
    def id_number(self) -> str | None:
        """The full number, only for the queue engine's keyed hash; never shown or logged."""
        return self.holder.id_number if self.holder is not None else None

    def set_holder(self, holder: Any, age: int | None, expired: bool, priority: str) -> None:
        self.holder = holder
        self.holder_age = age
        self.holder_expired = expired
        self.priority = priority

    def wipe(self, reason: str = "") -> None:
        """Forget the person: every field back to empty."""
        had_data = not self.is_empty
        self.holder = None
        self.holder_age = None
        self.holder_expired = False
        self.priority = "normal"
        self.ticket = None
        self.print_outcome = None
        self.search_text = ""
        self.guide_id = None
        self.scratch.clear()
        self.started_at = None
        self.wipes += 1
        if had_data:
            log.info("session wiped (%s)", reason or "requested")

    def __repr__(self) -> str:
        return (f"CitizenSession(card={'yes' if self.holder is not None else 'no'}, "
                f"ticket={'yes' if self.ticket is not None else 'no'}, priority={self.priority!r})")

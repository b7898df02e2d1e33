"""服务评价 as the touch screen runs it: find the ticket (its number typed, or its QR code
held under the document camera), then one rating screen, then thanks.

The ratings service finds the ticket, decides whether it may be rated and records the
rating (channel "kiosk"); this class only forwards what the citizen did and shows the
answers. The QR code is read by the camera's own page pipeline (the codes of each
captured page); the texts are handed to the service, which checks the link's MAC.
Every service call runs off the UI thread (`app.calls`); camera events arrive on the
camera's thread and are moved to the UI thread before anything changes on screen.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from kivy.clock import Clock

from devices.base.errors import KioskError
from screens import texts_zh as zh

log = logging.getLogger(__name__)

# The thanks stay this long, then the kiosk goes back Home for the next citizen.
THANKS_SECONDS = 8.0


class RatingFlow:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.target: Any = None  # the RatingTarget being rated
        self._visit = 0  # bumps on every new visit: a late answer is never shown to the next citizen
        self._camera_open = False
        self._busy = False  # a lookup from the camera is being answered: one page at a time
        self._thanks_event: Any = None

    @property
    def ratings(self) -> Any:
        return self.app.runtime.ratings

    def letters(self) -> list[str]:
        """The queues' letters for the keypad (settings only: no I/O)."""
        return self.ratings.ticket_letters()

    # -- Home -> the lookup ----------------------------------------------------------------------
    def begin(self) -> None:
        self.wipe()
        self.app.go("rating_lookup")
        self.app.say(zh.VOICE_RATING if self.camera_usable else zh.VOICE_RATING_NUMBER_ONLY)

    @property
    def camera_usable(self) -> bool:
        """The QR path is offered only where the document camera works."""
        return bool(self.app.runtime.camera_works and self.app.runtime.camera is not None)

    def lookup_opened(self) -> None:
        if self.camera_usable and not self._camera_open:
            self._camera_open = True
            self.app.runtime.start_camera()

    def lookup_closed(self) -> None:
        if self._camera_open:
            self._camera_open = False
            self.app.runtime.stop_camera()

    def number_typed(self, text: str) -> None:
        screen = self.app.screen("rating_lookup")
        if not text:
            screen.show_problem(zh.RATING_NUMBER_EMPTY)
            return
        screen.searching = True
        visit = self._visit
        self.app.calls.run(partial(self.ratings.find_ticket_by_number, text, "kiosk"),
                           lambda target: visit == self._visit and self._found(target),
                           lambda error: visit == self._visit and self._not_found(error, typed=True))

    def post_camera_event(self, event: Any) -> None:
        """On the camera thread: a captured page's codes go to the UI thread, then to the service."""
        from devices.camera.events import PageCaptured

        if not self._camera_open or not isinstance(event, PageCaptured):
            return
        texts = tuple(code.text for code in event.page.codes)
        Clock.schedule_once(partial(self._codes_read, texts, self._visit), 0)

    def _codes_read(self, texts: tuple[str, ...], visit: int, _dt: float = 0) -> None:
        if visit != self._visit or self.app.current != "rating_lookup" or self._busy:
            return
        self.app.idle.touch()  # holding a ticket under the camera is using the kiosk
        self._busy = True
        screen = self.app.screen("rating_lookup")
        screen.searching = True

        def done(_visit: int = visit) -> bool:
            self._busy = False
            return _visit == self._visit

        self.app.calls.run(partial(self.ratings.find_ticket_by_codes, texts),
                           lambda target: done() and self._found(target),
                           lambda error: done() and self._not_found(error, typed=False))

    def _found(self, target: Any) -> None:
        self.target = target
        self.app.screen("rating").ask(target.code)
        self.app.go("rating")
        self.app.say(zh.VOICE_RATING_ASK)

    def _not_found(self, error: BaseException, typed: bool) -> None:
        screen = self.app.screen("rating_lookup")
        if not isinstance(error, KioskError):
            log.error("finding a ticket to rate failed: %s", error)
            screen.show_problem(zh.RATING_FAILED)
            return
        log.info("rating lookup refused: %s", error.message_en)
        screen.show_problem(error.message_zh)
        self.app.say(error.message_zh)
        if typed:
            screen.ids.keypad.value = ""

    # -- the rating -----------------------------------------------------------------------------
    def rate(self, level: int, reasons: list[str]) -> None:
        target = self.target
        if target is None:
            return
        screen = self.app.screen("rating")
        screen.saving = True
        visit = self._visit

        def save() -> Any:
            return self.ratings.rate_ticket(target.ticket_id, level, reasons, "", channel="kiosk")

        self.app.calls.run(save, lambda rating: visit == self._visit and self._rated(rating),
                           lambda error: visit == self._visit and self._refused(error), write=True)

    def _rated(self, rating: Any) -> None:
        self.target = None
        self.app.screen("rating").thank(rating.is_bad)
        self.app.say(zh.VOICE_RATING_THANKS)
        visit = self._visit
        self._thanks_event = Clock.schedule_once(
            lambda _dt: visit == self._visit and self.app.current == "rating" and self.app.go_home("rated"),
            THANKS_SECONDS)

    def _refused(self, error: BaseException) -> None:
        screen = self.app.screen("rating")
        screen.saving = False
        if not isinstance(error, KioskError):
            log.error("saving a rating failed: %s", error)
            screen.show_problem(zh.RATING_FAILED)
            return
        log.info("rating refused: %s", error.message_en)
        screen.show_problem(error.message_zh)
        self.app.say(error.message_zh)

    def wipe(self) -> None:
        self._visit += 1
        self._busy = False
        self.target = None
        if self._thanks_event is not None:
            self._thanks_event.cancel()
            self._thanks_event = None

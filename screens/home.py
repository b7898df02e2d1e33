"""Home: brand, hall, date and time, people waiting, 取号 / 办事指南, notices, toggles."""

from __future__ import annotations

import logging

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside

log = logging.getLogger(__name__)

NOTICE_SECONDS = 8
REFRESH_SECONDS = 5
MESSAGE_SECONDS = 12


class HomeScreen(Screen):
    issuing_open = BooleanProperty(True)
    closed_message = StringProperty("")
    waiting_lines = ListProperty()
    # Which number each window has now: a citizen holding a ticket sees how far the
    # hall has got without waiting for the next announcement.
    serving_lines = ListProperty()
    notice = StringProperty("")
    message = StringProperty("")
    # The 自助投递 tile: there only while the flow is on and the camera works; greyed,
    # with the reason, when the service says it cannot take drop-offs now (disk full).
    dropoff_shown = BooleanProperty(False)
    dropoff_open = BooleanProperty(False)
    dropoff_reason = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._notice_index = -1
        self._events = []
        self._refreshing = False
        self._refresh_again = False

    def on_kv_post(self, _base_widget) -> None:
        # Strong references: only one of the two is in the tree at a time.
        self._take_number = self.ids.take_number.__self__
        self._closed = self.ids.closed.__self__
        self._dropoff_tile = self.ids.dropoff.__self__
        self._show_issuing(self.issuing_open)
        self._show_dropoff_tile(self.dropoff_shown)

    def on_dropoff_shown(self, _instance, value: bool) -> None:
        self._show_dropoff_tile(value)

    def _show_dropoff_tile(self, shown: bool) -> None:
        if not hasattr(self, "_dropoff_tile"):
            return
        tiles = self.ids.side
        if shown and self._dropoff_tile.parent is None:
            tiles.add_widget(self._dropoff_tile, index=0)
        elif not shown and self._dropoff_tile.parent is not None:
            tiles.remove_widget(self._dropoff_tile)

    def on_issuing_open(self, _instance, value: bool) -> None:
        self._show_issuing(value)

    def _show_issuing(self, is_open: bool) -> None:
        if not hasattr(self, "_closed"):
            return
        slot = self.ids.take_slot
        wanted = self._take_number if is_open else self._closed
        if wanted.parent is not slot:
            slot.clear_widgets()
            slot.add_widget(wanted)

    def on_pre_enter(self, *_args) -> None:
        self.refresh()
        self.next_notice()
        self._events = [Clock.schedule_interval(lambda _dt: self.refresh(), REFRESH_SECONDS),
                        Clock.schedule_interval(lambda _dt: self.next_notice(), NOTICE_SECONDS)]

    def on_leave(self, *_args) -> None:
        self.stop_timers()
        self.message = ""

    def stop_timers(self) -> None:
        for event in self._events:
            event.cancel()
        self._events = []

    def refresh(self) -> None:
        """Ask for the hall's state off the UI thread; one question at a time."""
        app = App.get_running_app()
        state = app.runtime.tickets.issuing_state()  # opening hours and the clock: no I/O
        self.issuing_open = state.open
        self.closed_message = state.message_zh
        self.dropoff_shown = bool(app.runtime.features.dropoff)
        if self.dropoff_shown:
            app.calls.run(app.runtime.dropoff_availability, self._show_dropoff_availability,
                          lambda error: log.error("drop-off availability failed: %s", error))
        if self._refreshing:
            # One question at a time, but never a lost one: a refresh asked while the last
            # is on its way (a number just drawn elsewhere) asks again when it answers.
            self._refresh_again = True
            return
        self._refreshing = True
        self._refresh_again = False
        app.calls.run(app.runtime.tickets.overview, self._show_overview, self._overview_failed)

    def _show_dropoff_availability(self, availability) -> None:
        self.dropoff_open = availability.open
        self.dropoff_reason = availability.message_zh

    def _show_overview(self, overview) -> None:
        self._refreshing = False
        if self._refresh_again:
            self.refresh()
        self.issuing_open = overview.issuing.open
        self.closed_message = overview.issuing.message_zh
        self.waiting_lines = [zh.WAITING_LINE.format(name=q.name, waiting=q.waiting) for q in overview.queues]
        waiting = {q.queue_id: q.waiting for q in overview.queues}
        self.serving_lines = [_serving_line(w, overview.issuing.open, waiting) for w in overview.windows]

    def _overview_failed(self, error: BaseException) -> None:
        # The figures stay as they were; the next refresh asks again. A second kiosk that
        # cannot reach the hall server shows none rather than old ones.
        self._refreshing = False
        self._refresh_again = False  # the periodic refresh asks again; no retry storm on a failing store
        log.error("hall overview failed: %s", error)
        if getattr(error, "code", "") == "hall_unavailable":
            self.waiting_lines = []
            self.serving_lines = []

    def next_notice(self) -> None:
        app = App.get_running_app()
        notices = app.runtime.features.notices(app.settings.kiosk)
        if not notices:
            self.notice = ""
            return
        self._notice_index = (self._notice_index + 1) % len(notices)
        self.notice = notices[self._notice_index]

    def show_message(self, text: str) -> None:
        self.message = text
        Clock.schedule_once(lambda _dt: setattr(self, "message", ""), MESSAGE_SECONDS)


load_kv_beside(__file__)


def _serving_line(window, issuing_open: bool, waiting: dict[str, int]) -> str:
    if window.paused:
        return zh.SERVING_PAUSED_LINE.format(window=window.number)
    if window.current is None:
        # 等待叫号 only while a call can come: numbers are being taken, or people
        # still wait for this window's queues (the windows serve on after issuing stops).
        if issuing_open or any(waiting.get(queue_id, 0) for queue_id in window.queues):
            return zh.SERVING_IDLE_LINE.format(window=window.number)
        return zh.SERVING_CLOSED_LINE.format(window=window.number)
    return zh.SERVING_LINE.format(window=window.number, code=window.current.code)

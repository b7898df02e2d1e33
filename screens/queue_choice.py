"""Take a number, step 2: choose 综合受理 / 综合出件 / 咨询, each with one line on what it does."""

from __future__ import annotations

import logging

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens import icons
from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton

log = logging.getLogger(__name__)


class QueueChoiceScreen(Screen):
    holder_text = StringProperty("")
    priority_text = StringProperty("")
    problem = StringProperty("")
    # 请稍候 while a number is being drawn and the database is slow to answer.
    please_wait = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        app = App.get_running_app()
        session = app.session
        if session.has_card:
            self.holder_text = zh.QUEUE_HOLDER.format(name=session.masked_name, id=session.masked_id)
        else:
            self.holder_text = zh.QUEUE_NO_CARD
        self.priority_text = (zh.QUEUE_PRIORITY.format(age=app.settings.policy.elderly_priority_age)
                              if session.priority != "normal" else "")
        self.problem = ""
        self.please_wait = ""
        self._build_buttons(app, {})
        # The waiting counts come from the database: asked off the UI thread.
        app.calls.run(app.runtime.tickets.overview, lambda overview: self._show_waiting(app, overview),
                      self._waiting_unknown)

    def _waiting_unknown(self, error: BaseException) -> None:
        # The counts cannot be had now (a second kiosk's hall server is away): the buttons
        # keep their names and still answer; a tap then says what is wrong.
        log.warning("waiting counts unavailable: %s", error)

    def _show_waiting(self, app, overview) -> None:
        # The buttons stay the same widgets (a tap meanwhile is never lost): only their text changes.
        waiting = {q.queue_id: q.waiting for q in overview.queues}
        for queue in app.settings.queues:
            button = self.queue_button(queue.id)
            if button is not None:
                button.text = self._button_text(app, queue, waiting)

    @staticmethod
    def _button_text(app, queue, waiting: dict[str, int]) -> str:
        extra = zh.QUEUE_WAITING.format(waiting=waiting[queue.id]) if queue.id in waiting else ""
        # The icon sits beside the name, so the tile needs no extra line (elderly sizes fit).
        icon = icons.glyph(icons.QUEUE_ICONS.get(queue.id, icons.TAKE_NUMBER))
        head = f"{icon} " if icon else ""
        return f"[size={int(app.theme.big_button)}]{head}{queue.name}[/size]\n{queue.description}\n{extra}"

    def _build_buttons(self, app, waiting: dict[str, int]) -> None:
        box = self.ids.queues
        box.clear_widgets()
        for queue in app.settings.queues:
            button = KButton(
                text=self._button_text(app, queue, waiting),
                on_release=lambda _b, qid=queue.id: app.choose_queue(qid),
            )
            button.queue_id = queue.id
            button.disabled = app.drawing_number
            box.add_widget(button)

    def queue_button(self, queue_id: str):
        for child in self.ids.queues.children:
            if getattr(child, "queue_id", None) == queue_id:
                return child
        return None

    def show_problem(self, text: str) -> None:
        self.please_wait = ""
        self.problem = text

    def show_drawing(self, drawing: bool) -> None:
        """While a number is being drawn the queue buttons take no taps (one number per visit)."""
        for child in self.ids.queues.children:
            child.disabled = drawing
        if drawing:
            self.problem = ""
        else:
            self.please_wait = ""

    def show_please_wait(self) -> None:
        self.please_wait = zh.QUEUE_PLEASE_WAIT

    def wipe(self) -> None:
        self.holder_text = ""
        self.priority_text = ""
        self.problem = ""
        self.please_wait = ""


load_kv_beside(__file__)

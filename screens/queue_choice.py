"""Take a number, step 2: choose 综合受理 / 综合出件 / 咨询, each with one line on what it does."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton


class QueueChoiceScreen(Screen):
    holder_text = StringProperty("")
    priority_text = StringProperty("")
    problem = StringProperty("")

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
        self._build_buttons(app)

    def _build_buttons(self, app) -> None:
        waiting = {q.queue_id: q.waiting for q in app.runtime.queue_status()}
        box = self.ids.queues
        box.clear_widgets()
        for queue in app.settings.queues:
            line = queue.description
            extra = zh.QUEUE_WAITING.format(waiting=waiting.get(queue.id, 0))
            button = KButton(
                text=f"[size={int(app.theme.big_button)}]{queue.name}[/size]\n{line}\n{extra}",
                on_release=lambda _b, qid=queue.id: app.choose_queue(qid),
            )
            button.queue_id = queue.id
            box.add_widget(button)

    def queue_button(self, queue_id: str):
        for child in self.ids.queues.children:
            if getattr(child, "queue_id", None) == queue_id:
                return child
        return None

    def show_problem(self, text: str) -> None:
        self.problem = text

    def wipe(self) -> None:
        self.holder_text = ""
        self.priority_text = ""
        self.problem = ""


load_kv_beside(__file__)

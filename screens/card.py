"""Take a number, step 1: "请刷身份证" with the reader live, or 不刷卡取号."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class CardScreen(Screen):
    reader_text = StringProperty(zh.CARD_READER_WAIT)
    problem = StringProperty("")
    # What laying the card does for the citizen, only what this hall's settings really do.
    why_card_text = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        from kivy.app import App

        settings = App.get_running_app().settings
        lines = []
        if "elderly" in settings.priority_ids():
            lines.append(zh.CARD_WHY_ELDERLY.format(age=settings.policy.elderly_priority_age))
        if settings.devices.printer.print_masked_name:
            lines.append(zh.CARD_WHY_NAME)
        lines.append(zh.CARD_WHY_PRIVATE)
        self.why_card_text = "\n".join([zh.CARD_WHY_TITLE, *lines])

    def on_leave(self, *_args) -> None:
        self.problem = ""

    def reader_event(self, event) -> None:
        from devices.idcard.service import ReaderProblem, ReaderReady

        if isinstance(event, ReaderReady):
            self.reader_text = zh.CARD_READER_READY
            self.problem = ""
        elif isinstance(event, ReaderProblem):
            self.show_problem(event.message_zh)

    def show_problem(self, text: str) -> None:
        self.problem = text

    def wipe(self) -> None:
        self.problem = ""


load_kv_beside(__file__)

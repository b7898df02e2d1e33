"""Drop-off, step 6: what happens to the citizen's personal information (PIPL), then
同意并提交 (saves, off the UI thread) or 不同意 (nothing is kept)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class DropoffConsentScreen(Screen):
    notice = StringProperty("")
    problem = StringProperty("")
    saving = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.notice = App.get_running_app().dropoff.consent_notice()
        self.problem = ""

    def show_saving(self, saving: bool) -> None:
        self.saving = saving
        if saving:
            self.problem = ""

    def show_problem(self, text: str) -> None:
        self.problem = f"{text}\n{zh.DROPOFF_SAVE_KEPT}"

    def wipe(self) -> None:
        self.notice = ""
        self.problem = ""
        self.saving = False


load_kv_beside(__file__)

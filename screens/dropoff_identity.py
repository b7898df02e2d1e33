"""Drop-off, step 1: lay the ID card on the reader, or type the ID number (with X) on the keypad."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class DropoffIdentityScreen(Screen):
    problem = StringProperty("")
    checking = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.problem = ""
        self.checking = False
        self.ids.keypad.value = ""

    def typed(self, value: str) -> None:
        self.problem = ""
        App.get_running_app().dropoff.submit_typed_id(value)

    def show_problem(self, text: str) -> None:
        self.problem = text

    def wipe(self) -> None:
        self.problem = ""
        self.checking = False
        if "keypad" in self.ids:
            self.ids.keypad.value = ""


load_kv_beside(__file__)

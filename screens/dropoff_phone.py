"""Drop-off, step 5: a phone number staff can call back, on the digit keypad."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens.kvload import load_kv_beside


class DropoffPhoneScreen(Screen):
    problem = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        self.problem = ""

    def typed(self, value: str) -> None:
        self.problem = ""
        App.get_running_app().dropoff.submit_phone(value)

    def wipe(self) -> None:
        self.problem = ""
        if "keypad" in self.ids:
            self.ids.keypad.value = ""


load_kv_beside(__file__)

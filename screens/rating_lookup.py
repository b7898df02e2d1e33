"""服务评价, step 1: which ticket? Its number on a big keypad (the queue's letter, then the
digits), or its QR code held under the document camera where the camera works.

The ticket is found by the ratings service (screens.rating_flow forwards); this screen
shows what is typed and the service's answer.
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.label import Label

from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton

MAX_DIGITS = 4


class TicketNumberKeypad(GridLayout):
    """The hall's queue letters, then 1-9 and 0 with 删除 / 清空 (4 keys a row). A letter
    starts the number again; at most MAX_DIGITS digits follow it."""

    value = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cols = 4
        self.letters = App.get_running_app().rating.letters()
        for letter in self.letters:
            self.add_widget(KButton(text=letter, kind="primary", on_release=self._pressed))
        for _pad in range(-len(self.letters) % self.cols):
            self.add_widget(Label())  # an empty place, so the digits start on a row of their own
        for label in ("1", "2", "3", zh.KEY_DELETE, "4", "5", "6", zh.KEY_CLEAR, "7", "8", "9", "0"):
            self.add_widget(KButton(text=label, kind="secondary", on_release=self._pressed))

    def press(self, key: str) -> None:
        if key == zh.KEY_DELETE:
            self.value = self.value[:-1]
        elif key == zh.KEY_CLEAR:
            self.value = ""
        elif key in self.letters:
            self.value = key
        elif key.isdigit() and self.value and len(self.value) <= MAX_DIGITS:
            self.value += key

    def _pressed(self, button: KButton) -> None:
        self.press(button.text)


class RatingLookupScreen(Screen):
    problem = StringProperty("")
    searching = BooleanProperty(False)
    camera_shown = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        flow = App.get_running_app().rating
        self.camera_shown = flow.camera_usable
        flow.lookup_opened()

    def on_leave(self, *_args) -> None:
        App.get_running_app().rating.lookup_closed()

    def typed(self) -> None:
        self.problem = ""
        App.get_running_app().rating.number_typed(self.ids.keypad.value)

    def show_problem(self, text: str) -> None:
        self.searching = False
        self.problem = text

    def wipe(self) -> None:
        self.problem = ""
        self.searching = False
        if "keypad" in self.ids:
            self.ids.keypad.value = ""


load_kv_beside(__file__)

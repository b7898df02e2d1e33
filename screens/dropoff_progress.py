"""Drop-off progress lookup: tap the ID card, or type the receipt's code and the ID
number's last 4; a timeline per drop-off, and a B number once the result is ready.

The lookup itself is DropoffService's (rate-limited for codes); this screen shows
what the app hands it and forwards taps.
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from kiosk.dropoff.codes import ALPHABET, CODE_LENGTH
from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton


class CodeKeypad(GridLayout):
    """The code's 21 characters (no look-alikes), 删除, 清空 and 确定 (6 x 4 keys);
    keeps `value`, dispatches `on_submit` on 确定."""

    __events__ = ("on_submit",)
    value = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for char in ALPHABET:
            self.add_widget(KButton(text=char, kind="secondary", on_release=self._pressed))
        self.add_widget(KButton(text=zh.SEARCH_DELETE, kind="secondary", on_release=self._pressed))
        self.add_widget(KButton(text=zh.SEARCH_CLEAR, kind="secondary", on_release=self._pressed))
        self.add_widget(KButton(text=zh.KEY_OK, kind="primary", on_release=self._pressed))

    def on_submit(self, value: str) -> None:
        pass

    def press(self, key: str) -> None:
        if key == zh.KEY_OK:
            self.dispatch("on_submit", self.value)
        elif key == zh.SEARCH_DELETE:
            self.value = self.value[:-1]
        elif key == zh.SEARCH_CLEAR:
            self.value = ""
        elif len(self.value) < CODE_LENGTH:
            self.value += key

    def _pressed(self, button: KButton) -> None:
        self.press(button.text)


class DropoffProgressScreen(Screen):
    problem = StringProperty("")
    searching = BooleanProperty(False)
    # The result: one text block per drop-off (newest first); empty while asking.
    results = ListProperty()
    ready_to_collect = BooleanProperty(False)
    asking_last4 = BooleanProperty(False)

    def on_pre_enter(self, *_args) -> None:
        self.wipe()

    def code_entered(self) -> None:
        code = self.ids.code_keypad.value
        if len(code) != CODE_LENGTH:
            self.problem = zh.PROGRESS_CODE_SHORT.format(n=len(code))
            return
        self.problem = ""
        self.asking_last4 = True

    def last4_entered(self, digits: str) -> None:
        if len(digits) != 4:
            self.problem = zh.PROGRESS_LAST4
            return
        App.get_running_app().look_up_dropoff_by_code(self.ids.code_keypad.value, digits)

    def show_results(self, blocks: list[str], ready: bool) -> None:
        self.searching = False
        self.problem = ""
        self.results = blocks
        self.ready_to_collect = ready

    def show_problem(self, text: str) -> None:
        self.searching = False
        self.problem = text

    def wipe(self) -> None:
        self.problem = ""
        self.searching = False
        self.results = []
        self.ready_to_collect = False
        self.asking_last4 = False
        if "code_keypad" in self.ids:
            self.ids.code_keypad.value = ""
            self.ids.last4_keypad.value = ""


load_kv_beside(__file__)

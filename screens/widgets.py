"""Shared widgets: labels and buttons that follow the theme, keypads, the QR code,
the top bar with the hidden staff gesture, and the idle countdown overlay."""

from __future__ import annotations

import time

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label

from screens import texts_zh as zh
from screens.kvload import load_kv_beside

INITIALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 4.0


class KLabel(Label):
    """Wrapping label whose height follows its text."""

    role = StringProperty("body")


class KButton(Button):
    """Flat rounded button; `kind` is "primary" or "secondary"."""

    kind = StringProperty("primary")


class Panel(BoxLayout):
    """A white rounded box."""


class QrImage(Image):
    """Shows `data` as a QR code, drawn from the module matrix (no image files)."""

    data = StringProperty("")

    def on_data(self, _instance, data: str) -> None:
        if not data:
            self.texture = None
            return
        import qrcode

        code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        size = len(matrix)
        # Texture rows start at the bottom.
        pixels = bytes(0 if cell else 255 for row in reversed(matrix) for cell in row)
        texture = Texture.create(size=(size, size), colorfmt="luminance")
        texture.blit_buffer(pixels, colorfmt="luminance", bufferfmt="ubyte")
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        self.texture = texture


class TopBar(BoxLayout):
    """Brand, hall name, title, clock; 返回首页 on every screen but Home.

    Tapping the brand five times within four seconds opens the staff PIN screen.
    """

    title = StringProperty("")
    show_home = BooleanProperty(True)
    back_to = StringProperty("")
    clock_text = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._taps: list[float] = []

    def brand_tapped(self) -> None:
        now = time.monotonic()
        self._taps = [t for t in self._taps if now - t < STAFF_TAP_WINDOW_S] + [now]
        if len(self._taps) >= STAFF_TAPS:
            self._taps.clear()
            App.get_running_app().open_staff()


class InitialsKeypad(GridLayout):
    """A–Z keys plus 删除 / 清空; dispatches `on_key` with the letter or "DEL"/"CLEAR"."""

    __events__ = ("on_key",)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for letter in INITIALS:
            self.add_widget(KButton(text=letter, kind="secondary", on_release=self._pressed))
        self.add_widget(KButton(text=zh.SEARCH_DELETE, kind="secondary", on_release=self._pressed))
        self.add_widget(KButton(text=zh.SEARCH_CLEAR, kind="secondary", on_release=self._pressed))

    def _pressed(self, button: KButton) -> None:
        key = {zh.SEARCH_DELETE: "DEL", zh.SEARCH_CLEAR: "CLEAR"}.get(button.text, button.text)
        self.dispatch("on_key", key)

    def on_key(self, key: str) -> None:
        pass


class DigitKeypad(GridLayout):
    """Digits for PINs, phone numbers and ID numbers (`allow_x` adds the X key).

    Keeps its own `value` up to `max_length`; dispatches `on_submit` on 确定.
    """

    __events__ = ("on_submit",)
    value = StringProperty("")
    max_length = NumericProperty(18)
    allow_x = BooleanProperty(False)
    keys = ListProperty()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        Clock.schedule_once(lambda _dt: self._build(), 0)

    def _build(self) -> None:
        self.clear_widgets()
        bottom_left = "X" if self.allow_x else zh.KEY_CLEAR
        labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", bottom_left, "0", zh.KEY_DELETE, zh.KEY_OK]
        self.keys = labels
        for label in labels:
            kind = "primary" if label == zh.KEY_OK else "secondary"
            self.add_widget(KButton(text=label, kind=kind, on_release=self._pressed))

    def on_allow_x(self, *_args) -> None:
        Clock.schedule_once(lambda _dt: self._build(), 0)

    def press(self, label: str) -> None:
        if label == zh.KEY_DELETE:
            self.value = self.value[:-1]
        elif label == zh.KEY_CLEAR:
            self.value = ""
        elif label == zh.KEY_OK:
            self.dispatch("on_submit", self.value)
        elif len(self.value) < self.max_length:
            self.value += label

    def _pressed(self, button: KButton) -> None:
        self.press(button.text)

    def on_submit(self, value: str) -> None:
        pass


class IdleOverlay(FloatLayout):
    """The "继续办理?" countdown drawn over the current screen."""

    seconds_left = NumericProperty(0)


load_kv_beside(__file__)

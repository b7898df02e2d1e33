"""Shared widgets: labels and buttons that follow the theme, keypads, the QR code,
the top bar with the hidden staff gesture, and the idle countdown overlay."""

from __future__ import annotations

import time

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.core.text import Label as CoreLabel
from kivy.properties import (BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty,
                             StringProperty)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from screens import texts_zh as zh
from screens.cjk_wrap import ChineseLineBreaking
from screens.kvload import load_kv_beside

INITIALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 4.0


class WrappingLabel(ChineseLineBreaking, Label):
    """A Label whose wrapped lines follow the Chinese line-breaking rules (screens/cjk_wrap.py):
    no 。or ） at a line start, no （ at a line end, no ID number cut in two."""


class KLabel(WrappingLabel):
    """Wrapping label whose height follows its text."""

    role = StringProperty("body")


class KButton(ChineseLineBreaking, Button):
    """Flat rounded button; `kind` is "primary" or "secondary". Its plain lines wrap by the
    Chinese line-breaking rules (the hint under 取号, a matter's long name)."""

    kind = StringProperty("primary")


class ReaderPicture(Widget):
    """An ID card going onto the reader, with an arrow towards where the reader really is.

    Drawn with Kivy's canvas (no image files, so it scales with the theme and the
    elderly mode): the card with its photo and text lines, a big arrow, and the
    dark reader pad labelled 读卡区 at the edge the reader sits on.
    """

    position = OptionProperty("below", options=("below", "right", "left"))
    card_colour = ListProperty([0.86, 0.92, 0.98, 1])
    line_colour = ListProperty([0.55, 0.65, 0.78, 1])
    reader_colour = ListProperty([0.2, 0.24, 0.3, 1])
    arrow_colour = ListProperty([0.1, 0.45, 0.85, 1])

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._label = CoreLabel(text=zh.READER_LABEL, font_size=28, bold=True)
        self._redraw = Clock.create_trigger(self._draw, 0)
        self.bind(pos=self._redraw, size=self._redraw, position=self._redraw, card_colour=self._redraw,
                  arrow_colour=self._redraw)

    def _draw(self, *_args) -> None:
        from kivy.graphics import Color, Line, Rectangle, RoundedRectangle, Triangle

        self.canvas.clear()
        if self.width < 40 or self.height < 40:
            return
        x, y, w, h = self.x, self.y, self.width, self.height
        horizontal = self.position in ("right", "left")
        # Split the area: card, arrow, reader pad, along the direction of the reader.
        if horizontal:
            card_w = min(w * 0.42, h * 0.9 * 1.58)
            card_h = card_w / 1.58
            pad_w, pad_h = min(w * 0.22, card_h * 1.1), card_h * 1.2
            card_x = x + (w * 0.04 if self.position == "right" else w - w * 0.04 - card_w)
            card_y = y + (h - card_h) / 2
            pad_x = x + w - pad_w if self.position == "right" else x
            pad_y = y + (h - pad_h) / 2
        else:
            card_h = min(h * 0.42, w * 0.8 / 1.58)
            card_w = card_h * 1.58
            pad_w, pad_h = card_w * 1.2, min(h * 0.22, card_h * 0.8)
            card_x, card_y = x + (w - card_w) / 2, y + h - card_h - h * 0.04
            pad_x, pad_y = x + (w - pad_w) / 2, y
        radius = max(4.0, card_h * 0.08)
        with self.canvas:
            Color(*self.reader_colour)
            RoundedRectangle(pos=(pad_x, pad_y), size=(pad_w, pad_h), radius=[radius])
            self._label.options["font_size"] = max(16, min(pad_h, pad_w) * 0.22)
            self._label.text = zh.READER_LABEL
            self._label.refresh()
            texture = self._label.texture
            Color(1, 1, 1, 1)
            Rectangle(texture=texture, size=texture.size,
                      pos=(pad_x + (pad_w - texture.width) / 2, pad_y + (pad_h - texture.height) / 2))
            Color(*self.card_colour)
            RoundedRectangle(pos=(card_x, card_y), size=(card_w, card_h), radius=[radius])
            Color(*self.line_colour)
            Line(rounded_rectangle=(card_x, card_y, card_w, card_h, radius), width=1.5)
            # the photo on the right of the card, text lines on the left (as on a resident ID card)
            Rectangle(pos=(card_x + card_w * 0.66, card_y + card_h * 0.18), size=(card_w * 0.26, card_h * 0.62))
            for row in range(4):
                line_y = card_y + card_h * (0.72 - row * 0.16)
                Rectangle(pos=(card_x + card_w * 0.08, line_y), size=(card_w * (0.5 - 0.06 * (row % 2)), card_h * 0.05))
            Color(*self.arrow_colour)
            if horizontal:
                start = card_x + card_w + w * 0.03 if self.position == "right" else card_x - w * 0.03
                end = pad_x - w * 0.03 if self.position == "right" else pad_x + pad_w + w * 0.03
                mid_y = y + h / 2
                head = min(abs(end - start) * 0.45, h * 0.12)
                sign = 1 if end > start else -1
                Line(points=[start, mid_y, end - sign * head, mid_y], width=max(3.0, head * 0.18))
                Triangle(points=[end, mid_y, end - sign * head, mid_y + head * 0.6, end - sign * head, mid_y - head * 0.6])
            else:
                start, end = card_y - h * 0.03, pad_y + pad_h + h * 0.03
                mid_x = x + w / 2
                head = min(abs(start - end) * 0.45, w * 0.08)
                Line(points=[mid_x, start, mid_x, end + head], width=max(3.0, head * 0.18))
                Triangle(points=[mid_x, end, mid_x - head * 0.6, end + head, mid_x + head * 0.6, end + head])


class StepChip(Label):
    """One step of a StepBar: "done", "current" or "later"."""

    state_name = StringProperty("later")


class StepBar(BoxLayout):
    """Where the citizen is in a flow of several screens: 第1步 刷身份证 → 第2步 选择业务 → 第3步 取号完成.

    The current step is filled in the primary colour, finished ones carry a tick,
    later ones are quiet, so an elderly citizen always sees how far there is to go.
    """

    steps = ListProperty()
    current = NumericProperty(1)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rebuild = Clock.create_trigger(self._build, 0)
        self.bind(steps=self._rebuild, current=self._rebuild)

    def _build(self, *_args) -> None:
        from screens import icons

        self.clear_widgets()
        for number, name in enumerate(self.steps, start=1):
            state = "done" if number < self.current else ("current" if number == self.current else "later")
            mark = icons.glyph("check-circle") + " " if state == "done" and icons.available() else ""
            self.add_widget(StepChip(text=f"{mark}{zh.STEP.format(n=number)}  {name}", state_name=state))

    def chips(self) -> list:
        return list(reversed(self.children))


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

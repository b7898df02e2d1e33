"""服务评价, step 2: the five levels as big buttons with faces; a 差评 asks which things were
not right (big toggles, the service's list); then 谢谢您的评价.

The kiosk has no keyboard, so it asks for no words: the reason "其他（请写明）", which
needs words, is not offered here (the phone page and the window tablet offer it).
"""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton

from kiosk import satisfaction
from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton

# Reasons that need words of their own cannot be given without a keyboard.
NEEDS_WORDS = ("other",)


class LevelButton(KButton):
    level = NumericProperty(0)


class ReasonToggle(ToggleButton):
    reason = StringProperty("")


class RatingScreen(Screen):
    step = OptionProperty("levels", options=("levels", "reasons", "thanks"))
    code = StringProperty("")
    level = NumericProperty(0)
    problem = StringProperty("")
    saving = BooleanProperty(False)
    thanks_text = StringProperty("")

    def on_kv_post(self, _base_widget) -> None:
        # Strong references: only the current step's box is in the tree.
        self._steps = {"levels": self.ids.levels.__self__, "reasons": self.ids.reasons_step.__self__,
                       "thanks": self.ids.thanks_step.__self__}
        self._show_step(self.step)
        grid = self.ids.reasons
        for reason, name in satisfaction.REASONS.items():
            if reason not in NEEDS_WORDS:
                grid.add_widget(ReasonToggle(text=name, reason=reason))

    def on_step(self, _instance, step: str) -> None:
        self._show_step(step)

    def _show_step(self, step: str) -> None:
        if not hasattr(self, "_steps"):
            return
        stage = self.ids.stage
        for name, box in self._steps.items():
            if name != step and box.parent is not None:
                stage.remove_widget(box)
        if self._steps[step].parent is None:
            stage.add_widget(self._steps[step])

    def ask(self, code: str) -> None:
        self.wipe()
        self.code = code

    def choose(self, level: int) -> None:
        self.problem = ""
        self.level = level
        if satisfaction.is_bad(level):
            self.step = "reasons"
            return
        App.get_running_app().rating.rate(level, [])

    def chosen_reasons(self) -> list[str]:
        return [toggle.reason for toggle in reversed(self.ids.reasons.children) if toggle.state == "down"]

    def submit_reasons(self) -> None:
        self.problem = ""
        App.get_running_app().rating.rate(self.level, self.chosen_reasons())

    def choose_again(self) -> None:
        self.problem = ""
        self.step = "levels"
        self._clear_toggles()

    def reason_button(self, reason: str):
        return next((t for t in self.ids.reasons.children if t.reason == reason), None)

    def thank(self, bad: bool) -> None:
        self.saving = False
        self.problem = ""
        self.thanks_text = zh.RATING_THANKS_BAD if bad else zh.RATING_THANKS
        self.step = "thanks"

    def show_problem(self, text: str) -> None:
        self.saving = False
        self.problem = text

    def _clear_toggles(self) -> None:
        if "reasons" in self.ids:
            for toggle in self.ids.reasons.children:
                toggle.state = "normal"

    def wipe(self) -> None:
        self.step = "levels"
        self.code = ""
        self.level = 0
        self.problem = ""
        self.saving = False
        self.thanks_text = ""
        self._clear_toggles()


load_kv_beside(__file__)

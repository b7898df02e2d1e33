"""One full 办事指南: every field, scrolling, wrapped; print the materials list; QR online."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KLabel


class GuideDetailScreen(Screen):
    heading = StringProperty("")
    sample_note = StringProperty("")
    qr_url = StringProperty("")
    print_text = StringProperty("")
    print_failed = BooleanProperty(False)
    back_to = StringProperty("guides")

    def show(self, guide, qr_url: str, back_to: str = "guides") -> None:
        app = App.get_running_app()
        self.guide = guide
        self.heading = guide.name
        self.sample_note = zh.GUIDE_SAMPLE if guide.is_sample else ""
        self.qr_url = qr_url
        self.print_text = ""
        self.print_failed = False
        self.back_to = back_to
        box = self.ids.fields
        box.clear_widgets()
        self.field_rows = guide.display_fields(dropoff_available=App.get_running_app().runtime.features.dropoff)
        for label, text in self.field_rows:
            box.add_widget(KLabel(text=label, role="heading", bold=True, color=app.theme.primary))
            box.add_widget(KLabel(text=text))
        self.ids.scroll.scroll_y = 1

    def print_checklist(self) -> None:
        self.print_text = zh.GUIDE_PRINTING
        self.print_failed = False
        App.get_running_app().print_checklist(self.guide)

    def show_print_result(self, guide_id: str, result) -> None:
        if getattr(self, "guide", None) is None or self.guide.id != guide_id:
            return
        self.print_failed = not result.printed
        self.print_text = zh.GUIDE_PRINTED if result.printed else result.message_zh

    def wipe(self) -> None:
        self.ids.fields.clear_widgets()
        self.print_text = ""


load_kv_beside(__file__)

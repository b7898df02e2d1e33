"""The guides of one department or life event, as big buttons."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton


class GuideListScreen(Screen):
    heading = StringProperty("")
    count_text = StringProperty("")
    back_to = StringProperty("guides")

    def show(self, title: str, guides, back_to: str = "guides") -> None:
        app = App.get_running_app()
        self.heading = title
        self.back_to = back_to
        self.count_text = zh.GUIDE_LIST_COUNT.format(n=len(guides))
        box = self.ids.list
        box.clear_widgets()
        for guide in guides:
            button = KButton(text=guide.name, kind="secondary",
                             on_release=lambda _b, gid=guide.id: app.open_guide(gid, "guide_list"))
            button.guide_id = guide.id
            box.add_widget(button)

    def wipe(self) -> None:
        self.ids.list.clear_widgets()


load_kv_beside(__file__)

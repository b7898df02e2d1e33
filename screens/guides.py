"""Guides: department and life-event grids, and the way into search by pinyin initials."""

from __future__ import annotations

import logging

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from devices.base.errors import KioskError
from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton

log = logging.getLogger(__name__)


class GuidesScreen(Screen):
    mode = StringProperty("department")  # or "life_event"
    problem = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        self.build_grid()

    def on_mode(self, *_args) -> None:
        self.build_grid()

    def build_grid(self) -> None:
        app = App.get_running_app()
        app.calls.run(app.runtime.guides.catalogue, self._show_catalogue, self._catalogue_failed)

    def _catalogue_failed(self, error: BaseException) -> None:
        if not isinstance(error, KioskError):
            raise error
        log.error("guide catalogue unavailable: %s", error.message_en)
        self.ids.grid.clear_widgets()
        self.problem = zh.GUIDES_UNAVAILABLE

    def _show_catalogue(self, catalogue) -> None:
        app = App.get_running_app()
        grid = self.ids.grid
        grid.clear_widgets()
        self.problem = ""
        groups = catalogue.by_department() if self.mode == "department" else catalogue.by_life_event()
        for title, guides in groups.items():
            button = KButton(
                text=f"{title}\n[size={int(app.theme.small)}]{zh.GUIDE_LIST_COUNT.format(n=len(guides))}[/size]",
                kind="secondary",
                on_release=lambda _b, t=title, g=guides: app.open_guide_list(t, g, "guides"),
            )
            button.group_title = title
            grid.add_widget(button)


    def wipe(self) -> None:
        # The next citizen starts on the first tab, not where the last one left it.
        self.problem = ""
        if self.mode != "department":
            self.mode = "department"


load_kv_beside(__file__)

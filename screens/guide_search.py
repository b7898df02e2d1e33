"""Search guides with an on-screen A–Z keypad of pinyin initials and 汉字 suggestions."""

from __future__ import annotations

import logging
import threading

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton

log = logging.getLogger(__name__)
MAX_INITIALS = 12


class GuideSearchScreen(Screen):
    typed = StringProperty("")
    status = StringProperty(zh.SEARCH_EMPTY_INPUT)
    ready = BooleanProperty(False)

    def on_kv_post(self, _base) -> None:
        self.ids.keypad.bind(on_key=lambda _k, key: self.press(key))

    def on_pre_enter(self, *_args) -> None:
        app = App.get_running_app()
        self.typed = app.session.search_text
        self._search = None
        self.ready = False
        self.status = zh.GUIDES_LOADING
        threading.Thread(target=self._load, args=(app.runtime,), name="guide-search-load", daemon=True).start()

    def _load(self, runtime) -> None:
        try:
            search = runtime.guides.search()
        except Exception:
            log.exception("guide search unavailable")
            Clock.schedule_once(lambda _dt: setattr(self, "status", zh.GUIDES_UNAVAILABLE), 0)
            return
        Clock.schedule_once(lambda _dt: self._loaded(search), 0)

    def _loaded(self, search) -> None:
        self._search = search
        self.ready = True
        self.update()

    def press(self, key: str) -> None:
        if key == "DEL":
            self.typed = self.typed[:-1]
        elif key == "CLEAR":
            self.typed = ""
        elif len(self.typed) < MAX_INITIALS:
            self.typed += key.lower()
        App.get_running_app().session.search_text = self.typed
        self.update()

    def update(self, query: str | None = None) -> None:
        if self._search is None:
            return
        app = App.get_running_app()
        suggestions_box, results_box = self.ids.suggestions, self.ids.results
        suggestions_box.clear_widgets()
        results_box.clear_widgets()
        if not self.typed and not query:
            self.status = zh.SEARCH_EMPTY_INPUT
            return
        for word in self._search.suggest(self.typed, limit=6) if self.typed else []:
            suggestions_box.add_widget(KButton(text=word, kind="secondary",
                                               on_release=lambda _b, w=word: self.update(query=w)))
        hits = self._search.search(query or self.typed, limit=30)
        self.status = zh.SEARCH_RESULTS.format(n=len(hits)) if hits else zh.SEARCH_NO_RESULT
        for hit in hits:
            button = KButton(text=hit.guide.name, on_release=lambda _b, gid=hit.guide.id: app.open_guide(
                gid, "guide_search"))
            button.guide_id = hit.guide.id
            results_box.add_widget(button)

    def result_ids(self) -> list[str]:
        return [child.guide_id for child in reversed(self.ids.results.children)]

    def wipe(self) -> None:
        self.typed = ""
        self.ids.suggestions.clear_widgets()
        self.ids.results.clear_widgets()
        self.status = zh.SEARCH_EMPTY_INPUT


load_kv_beside(__file__)

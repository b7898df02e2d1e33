"""Drop-off, step 4: every page taken, material by material; a tap on a page removes it."""

from __future__ import annotations

from kivy.app import App
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class PageThumb(ButtonBehavior, Image):
    """One page, small; tapping it removes the page."""

    material_index = NumericProperty(0)
    page_index = NumericProperty(0)


class MaterialRow(BoxLayout):
    title = StringProperty("")


def _texture(thumb) -> Texture:
    texture = Texture.create(size=thumb.size, colorfmt="bgr")
    texture.blit_buffer(thumb.pixels, colorfmt="bgr", bufferfmt="ubyte")
    return texture


class DropoffReviewScreen(Screen):
    problem = StringProperty("")
    status = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        self.problem = ""
        self.status = ""
        self.rebuild()

    def rebuild(self) -> None:
        flow = App.get_running_app().dropoff
        box = self.ids.materials
        box.clear_widgets()
        if flow.draft is None:
            return
        for index, (slot, pages) in enumerate(zip(flow.draft.matter.materials, flow.draft.pages)):
            title = (zh.DROPOFF_REVIEW_MATERIAL.format(name=slot.name, n=len(pages)) if pages
                     else zh.DROPOFF_REVIEW_EMPTY.format(name=slot.name))
            row = MaterialRow(title=title)
            strip = row.ids.pages
            thumbs = flow.thumbnails[index] if index < len(flow.thumbnails) else []
            for page_index, thumb in enumerate(thumbs):
                strip.add_widget(PageThumb(texture=_texture(thumb), material_index=index, page_index=page_index,
                                           on_release=self._remove))
            if not pages:
                row.remove_widget(strip)  # nothing to show: the title says so
            box.add_widget(row)

    def thumbs(self) -> list:
        return [w for w in self.walk() if isinstance(w, PageThumb)]

    def _remove(self, thumb: PageThumb) -> None:
        App.get_running_app().dropoff.remove_page(thumb.material_index, thumb.page_index)
        self.status = zh.DROPOFF_PAGE_REMOVED
        self.rebuild()

    def go_on(self) -> None:
        self.problem = App.get_running_app().dropoff.review_done()

    def wipe(self) -> None:
        self.problem = ""
        self.status = ""
        if "materials" in self.ids:
            self.ids.materials.clear_widgets()  # the thumbnails' textures go with them


load_kv_beside(__file__)

"""Drop-off, step 3: each material in turn under the document camera.

The live picture is a Kivy texture refilled from the newest preview frame, with the
page the camera sees outlined over it and the camera's own hint (放平 / 不要移动 /
已拍好) under it. A page that lies still is taken by itself; 拍照 takes it at once.
"""

from __future__ import annotations

from kivy.app import App
from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class DropoffCaptureScreen(Screen):
    place_text = StringProperty("")
    note_text = StringProperty("")
    which_text = StringProperty("")
    count_text = StringProperty("")
    hint = StringProperty("")
    status = StringProperty("")
    status_is_problem = BooleanProperty(False)
    camera_message = StringProperty("")

    def __init__(self, **kwargs) -> None:
        # Set before the kv rules run: on_kv_post (inside super().__init__) makes the line.
        self._texture = None
        self._outline = ()
        self._line = None
        super().__init__(**kwargs)

    def on_kv_post(self, _base_widget) -> None:
        preview = self.ids.preview
        with preview.canvas.after:
            Color(0.1, 0.85, 0.3, 1)
            self._line = Line(points=[], width=3, close=True)
        preview.bind(pos=self._draw_outline, size=self._draw_outline, texture_size=self._draw_outline)

    def on_pre_enter(self, *_args) -> None:
        app = App.get_running_app()
        self.status = ""
        self.status_is_problem = False
        self.hint = zh.DROPOFF_CAMERA_STARTING
        self.show_camera_state(app.dropoff.camera_lost)
        self.refresh()
        app.dropoff.camera_screen_opened()
        app.say(self.place_text)

    def on_leave(self, *_args) -> None:
        App.get_running_app().dropoff.camera_screen_closed()
        self._clear_preview()

    def refresh(self) -> None:
        flow = App.get_running_app().dropoff
        if flow.draft is None:
            return
        material = flow.material
        total = len(flow.draft.pages)
        self.place_text = zh.DROPOFF_PLACE.format(name=material.name)
        notes = [n for n in (material.note, zh.DROPOFF_REQUIRED if material.required else zh.DROPOFF_OPTIONAL) if n]
        self.note_text = "  ".join(notes)
        self.which_text = zh.DROPOFF_MATERIAL_OF.format(i=flow.material_index + 1, n=total)
        self.count_text = zh.DROPOFF_TAKEN.format(n=flow.material_count())

    def show_status(self, text: str, problem: bool = False) -> None:
        self.status = text
        self.status_is_problem = problem

    def show_camera_state(self, lost: bool) -> None:
        self.camera_message = zh.DROPOFF_CAMERA_GONE if lost else ""

    def show_preview(self, image) -> None:
        width, height = image.size
        if self._texture is None or self._texture.size != (width, height):
            self._texture = Texture.create(size=(width, height), colorfmt="bgr")
        self._texture.blit_buffer(image.pixels, colorfmt="bgr", bufferfmt="ubyte")
        preview = self.ids.preview
        if preview.texture is not self._texture:
            preview.texture = self._texture
        else:
            preview.canvas.ask_update()
        self.hint = image.hint_zh
        self._outline = image.outline
        self._draw_outline()

    def _draw_outline(self, *_args) -> None:
        if self._line is None:
            return
        preview = self.ids.preview
        if not self._outline or preview.texture is None:
            self._line.points = []
            return
        shown_w, shown_h = preview.norm_image_size
        x0 = preview.center_x - shown_w / 2
        y0 = preview.center_y - shown_h / 2
        points = []
        for fx, fy in self._outline:
            points += [x0 + fx * shown_w, y0 + fy * shown_h]
        self._line.points = points

    @property
    def outline_points(self) -> list:
        return list(self._line.points) if self._line is not None else []

    def _clear_preview(self) -> None:
        self._outline = ()
        self._texture = None
        if "preview" in self.ids:
            self.ids.preview.texture = None
        if self._line is not None:
            self._line.points = []

    def wipe(self) -> None:
        for name in ("place_text", "note_text", "which_text", "count_text", "hint", "status", "camera_message"):
            setattr(self, name, "")
        self._clear_preview()


load_kv_beside(__file__)

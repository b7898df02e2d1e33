"""Drop-off, step 2: choose the matter (only those whose guide allows handing in after hours)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside
from screens.widgets import KButton


class DropoffMatterScreen(Screen):
    holder_text = StringProperty("")
    problem = StringProperty("")
    status = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        app = App.get_running_app()
        flow = app.dropoff
        if flow.holder is not None:
            self.holder_text = zh.DROPOFF_MATTER_HOLDER.format(name=app.session.masked_name)
        else:
            from devices.base.masking import mask_id_number

            self.holder_text = zh.DROPOFF_MATTER_TYPED.format(id=mask_id_number(flow.typed_id_number))
        self.problem = ""
        self.status = zh.DROPOFF_MATTER_LOADING
        self.ids.matters.clear_widgets()
        flow.load_matters(self._show_matters)

    def _show_matters(self, matters) -> None:
        app = App.get_running_app()
        box = self.ids.matters
        box.clear_widgets()
        self.status = "" if matters else zh.DROPOFF_MATTER_NONE
        for matter in matters:
            button = KButton(text=f"[size={int(app.theme.big_button)}]{matter.name}[/size]\n"
                                  f"{matter.department}  {zh.DROPOFF_MATTER_COUNT.format(n=len(matter.materials))}",
                             on_release=lambda _b, mid=matter.id: app.dropoff.choose_matter(mid))
            button.matter_id = matter.id
            box.add_widget(button)

    def matter_button(self, matter_id: str):
        for child in self.ids.matters.children:
            if getattr(child, "matter_id", None) == matter_id:
                return child
        return None

    def wipe(self) -> None:
        self.holder_text = ""
        self.problem = ""
        if "matters" in self.ids:
            self.ids.matters.clear_widgets()


load_kv_beside(__file__)

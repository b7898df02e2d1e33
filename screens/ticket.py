"""Take a number, step 3: the big number, people ahead, the wait, and whether it printed."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from screens import texts_zh as zh
from screens.kvload import load_kv_beside


class TicketScreen(Screen):
    code = StringProperty("")
    queue_text = StringProperty("")
    ahead_text = StringProperty("")
    wait_text = StringProperty("")
    priority_text = StringProperty("")
    windows_text = StringProperty("")
    bring_text = StringProperty("")
    print_text = StringProperty("")
    printed = BooleanProperty(False)
    print_failed = BooleanProperty(False)
    qr_url = StringProperty("")
    people_ahead = NumericProperty(0)

    def show_ticket(self, issued, priority: bool, window_hint: str = "", bring: str = "") -> None:
        self.bring_text = bring
        self.code = issued.code
        self.windows_text = zh.TICKET_WINDOWS.format(windows=window_hint) if window_hint else ""
        self.queue_text = zh.TICKET_QUEUE.format(queue=issued.queue_name)
        self.people_ahead = issued.people_ahead
        self.ahead_text = (zh.TICKET_AHEAD.format(n=issued.people_ahead) if issued.people_ahead
                           else zh.TICKET_NOBODY_AHEAD)
        self.wait_text = issued.estimate.text_zh
        self.priority_text = zh.TICKET_PRIORITY if priority else ""
        self.print_text = zh.TICKET_PRINTING
        self.printed = False
        self.print_failed = False
        self.qr_url = ""

    def show_print_result(self, printed: bool, message_zh: str, qr_url: str) -> None:
        self.printed = printed
        self.print_failed = not printed
        self.print_text = message_zh
        self.qr_url = qr_url

    def wipe(self) -> None:
        for name in ("code", "queue_text", "ahead_text", "wait_text", "priority_text", "windows_text", "bring_text", "print_text",
                     "qr_url"):
            setattr(self, name, "")
        self.printed = self.print_failed = False


load_kv_beside(__file__)

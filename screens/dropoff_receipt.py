"""Drop-off, done: the 8-character code (big, 4+4), what was handed in, when staff look
at it, and whether the receipt printed (if not, the code stays: 请记下投递码)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.services.dropoff import day_text, time_limit_text
from screens import texts_zh as zh
from screens.kvload import load_kv_beside


def spaced_code(code: str) -> str:
    """ABCD2345 -> "ABCD 2345": two groups of four are easier to copy down."""
    return f"{code[:4]} {code[4:]}" if len(code) == 8 else code


class DropoffReceiptScreen(Screen):
    code = StringProperty("")
    code_text = StringProperty("")
    details = StringProperty("")
    review_text = StringProperty("")
    print_text = StringProperty("")
    printed = BooleanProperty(False)
    print_failed = BooleanProperty(False)

    def show_submitted(self, submitted) -> None:
        self.code = submitted.code
        self.code_text = spaced_code(submitted.code)
        lines = [zh.DROPOFF_RECEIPT_MATTER.format(matter=submitted.matter_name)]
        lines += [zh.DROPOFF_RECEIPT_PAGES.format(name=name, n=n) for name, n in submitted.pages_per_material if n]
        if submitted.masked_name:
            lines.append(zh.DROPOFF_RECEIPT_NAME.format(name=submitted.masked_name))
        lines.append(zh.DROPOFF_RECEIPT_TIME.format(time=f"{submitted.submitted_at:%Y-%m-%d %H:%M}"))
        self.details = "\n".join(lines)
        self.review_text = "\n".join([zh.DROPOFF_RECEIPT_REVIEW.format(day=day_text(submitted.review_on)),
                                      zh.DROPOFF_RECEIPT_LIMIT.format(
                                          limit=time_limit_text(submitted.promised_working_days))])
        self.print_text = zh.DROPOFF_PRINTING
        self.printed = self.print_failed = False

    def show_print_result(self, printed: bool, message_zh: str) -> None:
        self.printed = printed
        self.print_failed = not printed
        self.print_text = zh.DROPOFF_PRINTED if printed else f"{zh.DROPOFF_WRITE_DOWN}\n{message_zh}"

    def wipe(self) -> None:
        for name in ("code", "code_text", "details", "review_text", "print_text"):
            setattr(self, name, "")
        self.printed = self.print_failed = False


load_kv_beside(__file__)

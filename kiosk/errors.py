"""Typed errors that carry two messages: Chinese for the screen, English for the log.

Every refusal a citizen or a member of staff can meet is one of these, so a screen
never has to translate an exception and a log line never carries Chinese UI text.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base class: `message_zh` is shown on screen, `message_en` goes to the log."""

    code = "kiosk_error"

    def __init__(self, message_en: str, message_zh: str, **details: object) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh
        self.details = details

    def as_dict(self) -> dict:
        return {
            "error": self.code,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            **{k: v for k, v in self.details.items() if isinstance(v, (str, int, float, bool, type(None)))},
        }


class ConfigError(KioskError):
    """A settings or catalogue file is wrong: names the file, the key and the fix."""

    code = "config_error"

    def __init__(self, file: str, key: str, problem: str, fix: str) -> None:
        message_en = f"{file}: {key}: {problem}. Fix: {fix}"
        super().__init__(
            message_en,
            "配置文件有误，请联系工作人员",
            file=str(file),
            key=key,
            problem=problem,
            fix=fix,
        )
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.fix = fix


class QueueError(KioskError):
    code = "queue_error"


class UnknownQueue(QueueError):
    code = "unknown_queue"


class UnknownWindow(QueueError):
    code = "unknown_window"


class WindowNotServingQueue(QueueError):
    code = "window_not_serving_queue"


class WindowPaused(QueueError):
    code = "window_paused"


class WindowBusy(QueueError):
    code = "window_busy"


class NoCurrentTicket(QueueError):
    code = "no_current_ticket"


class NobodyWaiting(QueueError):
    code = "nobody_waiting"


class TicketNotFound(QueueError):
    code = "ticket_not_found"


class TicketStateError(QueueError):
    code = "ticket_state"


class DailyCapReached(QueueError):
    code = "daily_cap_reached"


class HallClosed(QueueError):
    code = "hall_closed"


class HolderAlreadyWaiting(QueueError):
    code = "holder_already_waiting"


class UnknownPriority(QueueError):
    code = "unknown_priority"


class ClockBehind(QueueError):
    """The clock reads earlier than tickets already drawn: numbering would restart on a wrong day."""

    code = "clock_behind"


class StoreError(KioskError):
    code = "store_error"

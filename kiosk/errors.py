"""The kiosk's domain errors (queue, store), each with a Chinese and an English message.

They subclass the bilingual `KioskError` of the bottom layer (`devices.base.errors`),
so a screen never has to translate an exception and a log line never carries
Chinese UI text.
"""

from __future__ import annotations

from devices.base.errors import KioskError


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


class StoreBusy(StoreError):
    """The write lock was not had in time; nothing was written, so trying again is safe."""

    code = "store_busy"


class DrawCancelled(QueueError):
    """The front end withdrew a draw before it was attempted (the citizen walked away)."""

    code = "draw_cancelled"

"""When the hall issues tickets: opening periods, holidays, make-up workdays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk import texts_zh
from devices.base.clock import HALL_TZ
from kiosk.config import OpeningHours

LOOKAHEAD_DAYS = 40  # covers the longest holiday (Spring Festival) with room to spare


@dataclass(frozen=True)
class IssuingState:
    open: bool
    # When issuing opens next (None when open, or when nothing is scheduled soon).
    next_open: dt.datetime | None
    message_zh: str = ""
    message_en: str = ""


def issuing_state(hours: OpeningHours, now: dt.datetime) -> IssuingState:
    local = now.astimezone(HALL_TZ)
    today = local.date()
    cutoff = dt.timedelta(minutes=hours.stop_issuing_minutes_before_close)
    periods = hours.periods_on(today)
    for period in periods:
        start = _at(today, period.start)
        end = _period_end(today, period.end)
        if start <= local < end - cutoff:
            return IssuingState(True, None)
    next_open = _next_opening(hours, local)
    stopped_for_today = any(_at(today, p.start) <= local < _period_end(today, p.end) for p in periods)
    if next_open is None:
        return IssuingState(False, None, texts_zh.HALL_CLOSED_UNKNOWN,
                            "outside opening hours and no opening in the next 40 days")
    time_text = f"{next_open:%H:%M}".lstrip("0")
    if next_open.date() == today:
        # Before lunch (issuing stops a little before the period ends) or in the lunch
        # break: the hall opens again today, so never say today's issuing is over.
        template = texts_zh.ISSUING_PAUSED_TODAY if stopped_for_today else texts_zh.HALL_CLOSED_TODAY_LATER
        zh = template.format(time=time_text)
    else:
        template = texts_zh.ISSUING_STOPPED if stopped_for_today else texts_zh.HALL_CLOSED_NEXT_DAY
        zh = template.format(
            date=f"{next_open.month}月{next_open.day}日",
            weekday=texts_zh.WEEKDAYS[next_open.weekday()],
            time=time_text,
        )
    en = f"outside issuing hours; next opening {next_open.isoformat(timespec='minutes')}"
    return IssuingState(False, next_open, zh, en)


def _at(day: dt.date, moment: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=HALL_TZ)


def _period_end(day: dt.date, moment: dt.time) -> dt.datetime:
    # "24:00" is stored as time.max: the period runs to midnight.
    if moment == dt.time.max:
        return _at(day + dt.timedelta(days=1), dt.time(0, 0))
    return _at(day, moment)


def _next_opening(hours: OpeningHours, local: dt.datetime) -> dt.datetime | None:
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        for period in hours.periods_on(day):
            start = _at(day, period.start)
            if start > local:
                return start
    return None


def is_open_at(hours: OpeningHours, now: dt.datetime) -> bool:
    local = now.astimezone(HALL_TZ)
    return any(_at(local.date(), p.start) <= local < _period_end(local.date(), p.end)
               for p in hours.periods_on(local.date()))


def review_day(hours: OpeningHours, submitted_at: dt.datetime) -> dt.date | None:
    """The day staff look at something handed in at `submitted_at`: today while the
    hall is open, else the day it next opens (None: no opening in the calendar ahead)."""
    local = submitted_at.astimezone(HALL_TZ)
    if is_open_at(hours, local):
        return local.date()
    opening = _next_opening(hours, local)
    return opening.date() if opening is not None else None


def add_working_days(hours: OpeningHours, start: dt.date, working_days: int) -> dt.date | None:
    """The date `working_days` working days after `start` (0: `start` itself), by the
    hall's calendar (weekends, holidays and 调休 workdays); None past the lookahead."""
    day, left = start, working_days
    for _ in range(LOOKAHEAD_DAYS * 10):
        if left <= 0:
            return day
        day += dt.timedelta(days=1)
        if hours.periods_on(day):
            left -= 1
    return None

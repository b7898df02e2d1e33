"""A reporting period: one business day, an ISO week or a calendar month."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from devices.base.errors import KioskError


class PeriodError(KioskError):
    code = "period_error"


@dataclass(frozen=True)
class Period:
    kind: str  # "day" | "week" | "month"
    label: str  # "2026-11-27" | "2026-W48" | "2026-11"
    first: dt.date
    last: dt.date

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def label_zh(self) -> str:
        if self.kind == "day":
            return f"{self.first.year}年{self.first.month}月{self.first.day}日"
        if self.kind == "week":
            year, week = self.label.split("-W")
            return f"{year}年第{int(week)}周（{self.first:%m-%d}至{self.last:%m-%d}）"
        return f"{self.first.year}年{self.first.month}月"


def parse_period(text: str) -> Period:
    """`2026-11-27` (a day), `2026-W48` (an ISO week, Monday to Sunday) or `2026-11` (a month)."""
    text = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.date.fromisoformat(text)
            return Period("day", day.isoformat(), day, day)
        match = re.fullmatch(r"(\d{4})-W(\d{1,2})", text, flags=re.IGNORECASE)
        if match:
            year, week = int(match.group(1)), int(match.group(2))
            monday = dt.date.fromisocalendar(year, week, 1)
            return Period("week", f"{year}-W{week:02d}", monday, monday + dt.timedelta(days=6))
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if match:
            first = dt.date(int(match.group(1)), int(match.group(2)), 1)
            following = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            return Period("month", f"{first:%Y-%m}", first, following - dt.timedelta(days=1))
    except ValueError:
        pass
    raise PeriodError(f"{text!r} is not a period: use 2026-11-27 (day), 2026-W48 (week) or 2026-11 (month)",
                      "统计周期写法不对：日写 2026-11-27，周写 2026-W48，月写 2026-11")

"""Summaries of durations: count, mean, median and 90th percentile (minutes)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None

    def as_dict(self) -> dict:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Excel's PERCENTILE.INC):
    the value at rank fraction × (n − 1), counting from 0."""
    if not sorted_values:
        raise ValueError("no values")
    rank = fraction * (len(sorted_values) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def summarise(values: Iterable[float]) -> Summary:
    ordered = sorted(values)
    if not ordered:
        return Summary(0, None, None, None, None)
    return Summary(len(ordered), sum(ordered) / len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9),
                   ordered[-1])


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as —, never as 0 %)."""
    return part / whole if whole else None

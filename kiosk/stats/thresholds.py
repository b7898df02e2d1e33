"""The hall's figures against its `[stats]` thresholds: each breach is a staff alert (kiosk.alerts)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.alerts import AlertLog
from kiosk.stats.kpis import HallFigures

ALERT_SOURCE = "stats"


@dataclass(frozen=True)
class Breach:
    code: str
    message_zh: str
    message_en: str


def breaches(figures: HallFigures, limits) -> list[Breach]:
    """`limits` is the hall's StatsSettings. Rates need enough ratings/cases to mean anything."""
    found: list[Breach] = []
    period = figures.period.label
    wait = figures.tickets.wait
    if wait.p90 is not None and wait.p90 > limits.long_wait_minutes:
        found.append(Breach(
            "long_wait",
            f"{figures.period.label_zh}：90%的群众等候不超过{wait.p90:.0f}分钟，超过了{limits.long_wait_minutes}分钟的要求"
            f"（{figures.tickets.long_waits}人等候超过{limits.long_wait_minutes}分钟）",
            f"{period}: p90 wait {wait.p90:.1f} min exceeds long_wait_minutes = {limits.long_wait_minutes} "
            f"({figures.tickets.long_waits} tickets waited longer)"))
    if figures.max_queue_length > limits.max_queue_length:
        found.append(Breach(
            "long_queue",
            f"{figures.period.label_zh}：最多时有{figures.max_queue_length}人同时排队，超过了{limits.max_queue_length}人",
            f"{period}: {figures.max_queue_length} waiting at once exceeds max_queue_length = {limits.max_queue_length}"))
    rate = figures.ratings.satisfaction_rate
    if rate is not None and figures.ratings.total >= limits.min_ratings_for_rate \
            and rate * 100 < limits.min_satisfaction_percent:
        found.append(Breach(
            "low_satisfaction",
            f"{figures.period.label_zh}：满意率{rate:.1%}，低于{limits.min_satisfaction_percent}%",
            f"{period}: satisfaction {rate:.1%} below min_satisfaction_percent = {limits.min_satisfaction_percent}"))
    on_time = figures.dropoffs.on_time_rate
    if on_time is not None and on_time * 100 < limits.min_dropoff_on_time_percent:
        found.append(Breach(
            "dropoff_late",
            f"{figures.period.label_zh}：投递件按时办结率{on_time:.1%}，低于{limits.min_dropoff_on_time_percent}%"
            f"（{figures.dropoffs.late}件超期）",
            f"{period}: drop-off on-time rate {on_time:.1%} below min_dropoff_on_time_percent = "
            f"{limits.min_dropoff_on_time_percent} ({figures.dropoffs.late} late)"))
    if figures.open_followups:
        found.append(Breach(
            "open_followups",
            f"{figures.period.label_zh}：有{figures.open_followups}条差评还没有回访处理",
            f"{period}: {figures.open_followups} bad rating(s) without a handled follow-up"))
    return found


def waiting_now(waits: list[tuple[str, float]], limits) -> list[Breach]:
    """Tickets still waiting, as (code, minutes waited so far): anyone beyond long_wait_minutes is a breach
    now, before the p90 of called tickets can show it. One breach for the hall, naming the longest wait."""
    # Longest first; on a tie, the earlier ticket (the order given).
    over = sorted(((minutes, code) for code, minutes in waits if minutes > limits.long_wait_minutes),
                  key=lambda pair: -pair[0])
    if not over:
        return []
    minutes, code = over[0]
    return [Breach(
        "waiting_now",
        f"现在有{len(over)}人已等候超过{limits.long_wait_minutes}分钟，最久的是{code}号（{minutes:.0f}分钟）",
        f"{len(over)} ticket(s) waiting longer than long_wait_minutes = {limits.long_wait_minutes} now; "
        f"longest {code} ({minutes:.0f} min)")]


def open_followups_breach(count: int) -> list[Breach]:
    """Every 差评 whose follow-up is still open, whatever day it was given."""
    if not count:
        return []
    return [Breach("open_followups", f"有{count}条差评还没有回访处理", f"{count} bad rating(s) without a handled follow-up")]


def refresh_alerts(found: list[Breach], alerts: AlertLog, source: str = ALERT_SOURCE) -> list[Breach]:
    """Make the open alerts of `source` what `found` says: a breach no longer found is resolved, one still
    found takes its current words (another period, more people waiting) and keeps the time it was first
    raised, a new one is raised. Idempotent, so two processes may run the same check."""
    wanted = {breach.code for breach in found}
    for alert in alerts.open_alerts():
        if alert.source == source and alert.code not in wanted:
            alerts.resolve(source, alert.code)
    for breach in found:
        alerts.raise_alert(source, "warning", breach.code, breach.message_zh, breach.message_en, update=True)
    return found


def raise_alerts(figures: HallFigures, limits, alerts: AlertLog) -> list[Breach]:
    """Each breach becomes a warning for staff (one open alert per kind, as AlertLog keeps them)."""
    found = breaches(figures, limits)
    for breach in found:
        alerts.raise_alert(ALERT_SOURCE, "warning", breach.code, breach.message_zh, breach.message_en)
    return found

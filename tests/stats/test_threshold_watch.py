"""The thresholds checked by themselves (kiosk.services.threshold_watch): live in the server, daily with the maintenance.

GIVEN the default hall on the Friday with a manual clock,
WHEN citizens wait, are called, rate badly and a manager handles the follow-up,
THEN the `stats_live` alerts appear, take the current figures and clear by themselves, and
the daily check (also run by DailyPurge) reports the last business day under `stats`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

from kiosk.services.threshold_watch import DAILY_SOURCE, LIVE_SOURCE, ThresholdWatch
from stats_day import at

MONDAY = dt.date(2026, 11, 30)


def open_codes(hall, source):
    return {a.code: a for a in hall.alerts.open_alerts() if a.source == source}


def test_someone_waiting_too_long_is_an_alert_that_follows_the_wait_and_clears(hall, clock):
    first = hall.tickets.take_number("A").code
    hall.tickets.take_number("A")
    clock.set(at(8, 50))
    hall.thresholds.check_live()
    assert open_codes(hall, LIVE_SOURCE) == {}

    clock.set(at(9, 5))
    hall.thresholds.check_live()
    alert = open_codes(hall, LIVE_SOURCE)["waiting_now"]
    assert f"现在有2人已等候超过30分钟，最久的是{first}号（35分钟）" == alert.message_zh

    clock.set(at(9, 10))
    hall.thresholds.check_live()
    again = open_codes(hall, LIVE_SOURCE)["waiting_now"]
    assert again.id == alert.id and again.at == alert.at  # the same alert, first raised at 09:05
    assert "（40分钟）" in again.message_zh

    hall.engine.call_next(1, actor="staff:zhao")
    hall.engine.call_next(2, actor="staff:wang")
    hall.thresholds.check_live()
    live = open_codes(hall, LIVE_SOURCE)
    assert "waiting_now" not in live  # nobody waits now
    assert "90%的群众等候不超过40分钟" in live["long_wait"].message_zh  # today's p90 of the called


def test_open_followups_are_raised_and_cleared_once_handled(hall, clock):
    manager = hall.accounts.create_manager("wangli", "Jiafeng-2026!")
    hall.tickets.take_number("A")
    hall.engine.call_next(1, actor="staff:zhao")
    hall.engine.finish(1, actor="staff:zhao")
    rating = hall.ratings.rate_ticket(hall.engine.tickets()[0].id, 1, ["attitude"])
    hall.thresholds.check_live()
    assert open_codes(hall, LIVE_SOURCE)["open_followups"].message_zh == "有1条差评还没有回访处理"

    hall.ratings.handle_followup(rating.id, manager, "已电话回访，向群众道歉")
    hall.thresholds.check_live()
    assert "open_followups" not in open_codes(hall, LIVE_SOURCE)


def test_the_daily_check_reports_the_last_business_day_and_runs_with_the_maintenance(hall, clock, settings):
    for _ in range(3):
        hall.tickets.take_number("B")
    clock.set(at(9, 30))
    for _ in range(3):
        hall.engine.call_next(3, actor="staff:li")
        hall.engine.finish(3, actor="staff:li")
    # Monday morning, the weekend had no tickets: Friday is the day reported.
    clock.set(at(8, 0, day=MONDAY))
    hall.maintenance.run_if_due()
    daily = open_codes(hall, DAILY_SOURCE)
    assert set(daily) == {"long_wait"}
    assert daily["long_wait"].message_zh.startswith("2026年11月27日：90%的群众等候不超过60分钟")
    assert hall.thresholds.last_daily_day == MONDAY.isoformat()

    # A stricter hall: the same day breaches the queue length too; a day without breaches clears them.
    strict = dataclasses.replace(settings, stats=dataclasses.replace(settings.stats, max_queue_length=2))
    watch = ThresholdWatch(strict, hall.store, hall.engine, hall.ratings, hall.alerts, clock)
    watch.check_last_day()
    assert set(open_codes(hall, DAILY_SOURCE)) == {"long_wait", "long_queue"}
    lenient = dataclasses.replace(settings, stats=dataclasses.replace(settings.stats, long_wait_minutes=90))
    ThresholdWatch(lenient, hall.store, hall.engine, hall.ratings, hall.alerts, clock).check_last_day()
    assert open_codes(hall, DAILY_SOURCE) == {}


def test_the_watch_thread_checks_every_interval_until_stopped(hall, clock):
    hall.tickets.take_number("A")
    clock.set(at(9, 30))
    watch = ThresholdWatch(hall.settings, hall.store, hall.engine, hall.ratings, hall.alerts, clock,
                           interval_seconds=0.05)
    assert watch.interval_seconds == 0.05
    assert hall.thresholds.interval_seconds == 300  # [stats] live_check_minutes = 5
    watch.start()
    try:
        deadline = time.monotonic() + 5
        while "waiting_now" not in open_codes(hall, LIVE_SOURCE) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "waiting_now" in open_codes(hall, LIVE_SOURCE)
        hall.engine.call_next(1, actor="staff:zhao")
        while "waiting_now" in open_codes(hall, LIVE_SOURCE) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "waiting_now" not in open_codes(hall, LIVE_SOURCE)
    finally:
        watch.stop()
    assert not watch.running

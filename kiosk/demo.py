"""`kiosk demo`: a whole hall day in the terminal, on a throw-away database.

Citizens arrive through the day (more in the morning, as in a township hall), take
numbers for 综合受理, 综合出件 or 咨询, some elderly; the windows call, serve,
recall, mark no-shows and transfer; the day ends with the figures the hall
manager would read. Time runs on a manual clock, so a day takes seconds.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from kiosk.cli import CommandLine
from devices.base.clock import HALL_TZ, ManualClock
from kiosk.config import load_settings
from devices.base.errors import KioskError
from kiosk.errors import NobodyWaiting
from kiosk.queueing.engine import QueueEngine
from kiosk.store import Store

QUEUE_MIX = (("A", 0.55), ("B", 0.35), ("C", 0.10))


def run_demo(config: str | None, day: dt.date, seed: int, pause: float, citizens: int) -> dict:
    settings = load_settings(config)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        clock = ManualClock(dt.datetime.combine(day, dt.time(8, 30), tzinfo=HALL_TZ))
        engine = QueueEngine(settings, Store(Path(tmp) / "demo.db"), clock)
        periods = settings.hours.periods_on(day)
        if not periods:
            print(f"{day} 不是办公日（{settings.hall.name}）。请换一个日期：kiosk demo --day 2026-11-27")
            return {}
        arrivals = sorted(
            dt.datetime.combine(day, periods[0].start if rng.random() < 0.65 else periods[-1].start, tzinfo=HALL_TZ)
            + dt.timedelta(minutes=rng.uniform(0, 150))
            for _ in range(citizens)
        )
        busy_until: dict[int, dt.datetime] = {}
        outcomes: Counter = Counter()
        print(f"== {settings.hall.brand} · {settings.hall.name} · {day} ==")
        end_of_day = dt.datetime.combine(day, periods[-1].end, tzinfo=HALL_TZ)
        while clock.now() < end_of_day:
            now = clock.now()
            while arrivals and arrivals[0] <= now:
                arrivals.pop(0)
                queue = rng.choices([q for q, _ in QUEUE_MIX], [w for _, w in QUEUE_MIX])[0]
                priority = "elderly" if rng.random() < 0.2 else "normal"
                try:
                    issued = engine.issue(queue, priority=priority, channel="demo")
                except KioskError as exc:
                    print(f"{now:%H:%M}  取号未成功：{exc.message_zh}")
                    outcomes["refused"] += 1
                    continue
                tag = "（老年人优先）" if priority != "normal" else ""
                print(f"{now:%H:%M}  取号 {issued.code} {issued.queue_name}{tag}  前面{issued.people_ahead}人  "
                      f"{issued.estimate.text_zh}")
            for window in settings.windows:
                if busy_until.get(window.number, now) > now:
                    continue
                _serve_one(engine, window.number, rng, clock, busy_until, outcomes)
            clock.advance(minutes=1)
            if pause:
                time.sleep(pause)
        summary = {q.queue_id: q.as_dict() for q in engine.status()}
        print("== 今日小结 ==")
        for q in engine.status():
            print(f"  {q.name}: 取号{q.issued} 办结{q.finished} 过号{q.no_show} 转出{q.transferred_out} "
                  f"仍在等候{q.waiting}")
        finished = engine.tickets(statuses=["finished"])
        if finished:
            waits = sorted(t.wait_minutes for t in finished)
            print(f"  平均等候{sum(waits) / len(waits):.0f}分钟，最长{waits[-1]:.0f}分钟")
        return summary


def _serve_one(engine, window: int, rng, clock, busy_until, outcomes) -> None:
    current = next(w.current for w in engine.windows() if w.number == window)
    now = clock.now()
    if current is not None:
        if current.status == "called":
            if rng.random() < 0.1 and current.recall_count < engine.settings.policy.recall_limit + 1:
                result = engine.recall(window)
                print(f"{now:%H:%M}  📢 {result.announcement or current.code + '号过号'}")
                return
            engine.start(window)
            busy_until[window] = now + dt.timedelta(minutes=rng.uniform(3, 14))
            return
        if rng.random() < 0.05 and current.queue_id == "C":
            result = engine.transfer(window, "A")
            print(f"{now:%H:%M}  {current.code} 咨询后转到综合受理")
            outcomes["transferred"] += 1
            return
        engine.finish(window)
        outcomes["finished"] += 1
    try:
        result = engine.call_next(window)
    except NobodyWaiting:
        return
    except KioskError as exc:
        print(f"{now:%H:%M}  {window}号窗口：{exc.message_zh}")
        return
    print(f"{now:%H:%M}  📢 {result.announcement}")


def _handler(args) -> int:
    day = dt.date.fromisoformat(args.day) if args.day else dt.datetime.now(HALL_TZ).date()
    run_demo(args.config, day, args.seed, args.pause, args.citizens)
    return 0


def register(cli: CommandLine) -> None:
    p = cli.command("demo", "a whole hall day in the terminal (throw-away database)", _handler)
    p.add_argument("--day", help="a working day, e.g. 2026-11-27 (default: today)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--citizens", type=int, default=80)
    p.add_argument("--pause", type=float, default=0.0, help="seconds to sleep per simulated minute")

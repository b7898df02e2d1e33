"""`kiosk demo`: a whole hall day in the terminal, on a throw-away database;
`kiosk sim day`: simulated days written into a database, for the figures and reports.

Citizens arrive through the day (more in the morning, as in a township hall), take
numbers for 综合受理, 综合出件 or 咨询, some elderly; the windows call, serve,
recall, mark no-shows and transfer; the day ends with the figures the hall
manager would read. Time runs on a manual clock, so a day takes seconds.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from devices.base.clock import HALL_TZ, ManualClock
from devices.base.errors import KioskError
from kiosk.errors import NobodyWaiting

QUEUE_MIX = (("A", 0.55), ("B", 0.35), ("C", 0.10))


def run_demo(settings, open_hall, day: dt.date, seed: int, pause: float, citizens: int) -> dict:
    """`open_hall(settings, clock=…, database=…)` is the composition root's (args.open_hall)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        clock = ManualClock(dt.datetime.combine(day, dt.time(8, 30), tzinfo=HALL_TZ))
        hall = open_hall(settings, clock=clock, database=Path(tmp) / "demo.db")
        engine = hall.engine
        periods = settings.hours.periods_on(day)
        if not periods:
            print(f"{day} 不是办公日（{settings.hall.name}）。请换一个日期：kiosk demo --day 2026-11-27")
            hall.close()
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
                    issued = hall.tickets.take_number(queue, priority, channel="demo")
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
        hall.close()
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
    run_demo(args.hall_settings(), args.open_hall, day, args.seed, args.pause, args.citizens)
    return 0


def register(cli) -> None:
    p = cli.command("demo", "a whole hall day in the terminal (throw-away database)", _handler)
    p.add_argument("--day", help="a working day, e.g. 2026-11-27 (default: today)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--citizens", type=int, default=80)
    p.add_argument("--pause", type=float, default=0.0, help="seconds to sleep per simulated minute")
    _register_sim(cli)


# -- `kiosk sim day`: a hall day through the real engine, into a database, for the figures --------------
# Citizens per hour of a typical township hall day: the morning peak after the hall opens, a
# smaller one after lunch. An hour outside the opening hours gets nobody (the engine refuses).
ARRIVAL_PROFILES: dict[str, dict[int, float]] = {
    "typical": {8: 12, 9: 20, 10: 15, 11: 7, 14: 5, 15: 10, 16: 8, 17: 1},
    "market_day": {8: 18, 9: 30, 10: 24, 11: 12, 14: 8, 15: 14, 16: 10, 17: 2},  # 赶集日
    "quiet": {8: 5, 9: 9, 10: 7, 11: 4, 14: 3, 15: 5, 16: 4, 17: 1},
}
SERVICE_SIGMA = 0.5  # log-normal spread of service times around the queue's norm (the median)
NO_SHOW_SHARE = 0.05
ELDERLY_SHARE = 0.15
CONSULT_TRANSFER_SHARE = 0.15  # 咨询 that turns into a matter to hand in (C -> A)
RATING_SHARE = 0.4
_NAMES = ("王秀英", "李建国", "张桂兰", "刘志强", "陈玉梅", "赵国华", "杨淑珍", "郭海平")
_RATING_REASONS_BY_CAUSE = {"wait": ["wait_long"], "slow": ["slow"], "other": ["not_told_once"]}


@dataclass(frozen=True)
class SimulatedTicket:
    """A ticket of the simulation with what its citizen was told at issue (for the estimate bench)."""

    ticket_id: int
    queue_id: str
    people_ahead: int
    estimate_low: int | None
    estimate_high: int | None
    norm_minutes: float
    open_windows: int


@dataclass
class SimulatedDay:
    day: dt.date
    issued: list[SimulatedTicket] = field(default_factory=list)
    refused: int = 0
    ratings: int = 0
    dropoffs: int = 0


def parse_profile(text: str | None) -> dict[int, float]:
    """A profile's name (typical, market_day, quiet) or hours with citizens: `8=12,9=20,10=15`."""
    if not text:
        return dict(ARRIVAL_PROFILES["typical"])
    if text in ARRIVAL_PROFILES:
        return dict(ARRIVAL_PROFILES[text])
    try:
        profile = {int(h): float(n) for h, n in (part.split("=") for part in text.split(",") if part.strip())}
    except ValueError:
        profile = {}
    if not profile or any(not 0 <= h <= 23 or n < 0 for h, n in profile.items()):
        raise KioskError(f"arrival profile {text!r}: use {', '.join(ARRIVAL_PROFILES)} or hour=citizens like 8=12,9=20",
                         f"到达曲线写法不对：用 {'、'.join(ARRIVAL_PROFILES)}，或写成 8=12,9=20 这样（几点=多少人）")
    return profile


def simulate_day(hall, clock, day: dt.date, rng: random.Random, profile: dict[int, float] | None = None,
                 dropoffs: int = 3, rating_share: float = RATING_SHARE) -> SimulatedDay:
    """One business day of the hall through its real services: arrivals by the hourly profile
    (Poisson), numbers at the kiosk, the windows calling, walking, serving (log-normal around each
    queue's norm), no-shows and transfers, ratings on the phone page and a few drop-offs reviewed.
    `clock` is the hall's ManualClock; it is moved event by event."""
    settings, engine = hall.settings, hall.engine
    result = SimulatedDay(day)
    periods = settings.hours.periods_on(day)
    if not periods:
        return result
    profile = profile or ARRIVAL_PROFILES["typical"]
    local = lambda t: dt.datetime.combine(day, t, tzinfo=HALL_TZ)  # noqa: E731
    events: list = []
    sequence = itertools.count()

    def schedule(when: dt.datetime, kind: str, payload=None) -> None:
        heapq.heappush(events, (when, next(sequence), kind, payload))

    for hour, mean in sorted(profile.items()):
        for _ in range(_poisson(rng, mean)):
            arrival = local(dt.time(hour)) + dt.timedelta(seconds=rng.uniform(0, 3600))
            # Who comes before the doors open waits at the door and takes a number at opening.
            opening = next((local(p.start) for p in periods if arrival < local(p.start)
                            and arrival.hour == p.start.hour), None)
            if opening is not None:
                arrival = opening + dt.timedelta(seconds=rng.uniform(0, 300))
            schedule(arrival, "arrive")
    for window in settings.windows:
        schedule(local(periods[0].start), "window", window.number)
    if dropoffs:
        _schedule_dropoffs(hall, day, rng, dropoffs, schedule, local)
    idle: set[int] = set()
    waits: dict[int, float] = {}
    # Windows go on calling those still waiting this long after a period ends (the hall's practice).
    overtime = dt.timedelta(minutes=settings.hours.serve_after_close_minutes)

    def in_service_hours(moment: dt.datetime) -> dt.datetime | None:
        """None if windows work now, else when they next do (None forever: the day is over)."""
        for period in periods:
            if local(period.start) <= moment < local(period.end) + overtime:
                return None
            if moment < local(period.start):
                return local(period.start)
        return dt.datetime.max.replace(tzinfo=HALL_TZ)

    while events:
        when, _, kind, payload = heapq.heappop(events)
        clock.set(when)
        if kind == "arrive":
            queue = rng.choices([q for q, _ in QUEUE_MIX], [w for _, w in QUEUE_MIX])[0]
            priority = "elderly" if rng.random() < ELDERLY_SHARE else "normal"
            try:
                issued = hall.tickets.take_number(queue, priority, channel="kiosk")
            except KioskError:
                result.refused += 1
                continue
            norm = settings.queue(queue).norm_service_minutes
            result.issued.append(SimulatedTicket(issued.ticket.id, queue, issued.people_ahead,
                                                 issued.estimate.low_minutes, issued.estimate.high_minutes, norm,
                                                 issued.estimate.open_windows))
            for number in sorted(idle):
                if queue in settings.window(number).queues:
                    idle.discard(number)
                    schedule(when, "window", number)
        elif kind == "window":
            resume = in_service_hours(when)
            if resume is not None:
                if resume.year < 9999:
                    schedule(resume, "window", payload)
                continue
            staff = f"staff:{_STAFF_BY_WINDOW.get(payload, 'staff')}"
            try:
                called = engine.call_next(payload, actor=staff)
            except NobodyWaiting:
                idle.add(payload)
                continue
            ticket = called.ticket
            if rng.random() < NO_SHOW_SHARE:
                schedule(when + dt.timedelta(minutes=2), "no_show", (payload, staff))
            else:
                schedule(when + dt.timedelta(minutes=rng.uniform(0.3, 2.0)), "start", (payload, staff, ticket))
        elif kind == "no_show":
            number, staff = payload
            engine.no_show(number, actor=staff)
            schedule(when + dt.timedelta(seconds=20), "window", number)
        elif kind == "start":
            number, staff, ticket = payload
            engine.start(number, actor=staff)
            norm = settings.queue(ticket.queue_id).norm_service_minutes
            minutes = rng.lognormvariate(math.log(norm), SERVICE_SIGMA)
            schedule(when + dt.timedelta(minutes=minutes), "finish", (number, staff, ticket))
        elif kind == "finish":
            number, staff, ticket = payload
            if ticket.queue_id == "C" and settings.queue("A") and rng.random() < CONSULT_TRANSFER_SHARE:
                engine.transfer(number, "A", actor=staff)
            else:
                done = engine.finish(number, actor=staff).ticket
                if rng.random() < rating_share:
                    schedule(when + dt.timedelta(minutes=rng.uniform(1, 90)), "rate", done)
            schedule(when + dt.timedelta(seconds=rng.uniform(10, 40)), "window", number)
        elif kind == "rate":
            if when.date() != day:
                continue
            result.ratings += _rate(hall, payload, rng)
        elif kind == "dropoff":
            payload(when)
            result.dropoffs += 1 if getattr(payload, "counts", False) else 0
    return result


_STAFF_BY_WINDOW = {1: "zhaomin", 2: "lina", 3: "wangfang"}


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the few dozen citizens an hour a township hall sees."""
    if mean <= 0:
        return 0
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _rate(hall, ticket, rng: random.Random) -> int:
    """The citizen rates on the phone: mostly satisfied; a long wait or a long service makes a 差评 likelier."""
    wait = ticket.wait_minutes or 0
    service = ticket.service_minutes or 0
    unhappy = 0.03 + (0.25 if wait > 30 else 0.08 if wait > 20 else 0) + (0.1 if service > 25 else 0)
    if rng.random() < unhappy:
        level = rng.choice((2, 2, 1))
        cause = "wait" if wait > 20 else "slow" if service > 25 else "other"
        reasons = _RATING_REASONS_BY_CAUSE[cause]
    else:
        level, reasons = rng.choices((5, 4, 3), (0.62, 0.3, 0.08))[0], []
    try:
        hall.ratings.rate_ticket(ticket.id, level, reasons, channel="phone")
    except KioskError:
        return 0
    return 1


def _schedule_dropoffs(hall, day: dt.date, rng: random.Random, count: int, schedule, local) -> None:
    """`count` drop-offs handed in before opening, reviewed in the morning: most accepted, made
    ready and collected in the afternoon (and rated), one asked for 补正, one rejected."""
    service = hall.dropoff
    matters = [m for m in service.matters()]
    if not matters:
        return
    jpeg, width, height = _page_jpeg()
    for k in range(count):
        matter = matters[k % len(matters)]
        holder = {"code": None}
        fate = rng.choices(("accept", "correct", "reject"), (0.7, 0.2, 0.1))[0]

        def submit(_when, matter=matter, holder=holder):
            draft = service.start(matter.id, _fake_id_number(rng), rng.choice(_NAMES), from_card=True)
            for index in range(len(draft.pages)):
                service.add_page(draft, index, jpeg, width, height)
            draft.phone = f"139{rng.randrange(10**8):08d}"
            draft.consent = True
            holder["code"] = service.submit(draft, actor="kiosk", channel="kiosk").code

        def review(_when, holder=holder, fate=fate):
            if fate == "correct":
                service.request_correction(holder["code"], [], "请补充清晰的证明材料", actor="staff:zhaomin")
            elif fate == "reject":
                service.reject(holder["code"], "不属于本中心受理范围", actor="staff:zhaomin")
            else:
                service.accept(holder["code"], actor="staff:zhaomin")

        def ready(_when, holder=holder, fate=fate):
            if fate == "accept":
                service.mark_ready(holder["code"], actor="staff:zhaomin")

        def collect(_when, holder=holder, fate=fate):
            if fate == "accept":
                service.mark_collected(holder["code"], actor="staff:wangfang")
                try:
                    hall.ratings.rate_dropoff(holder["code"], rng.choices((5, 4, 3), (0.6, 0.3, 0.1))[0])
                except KioskError:
                    pass

        submit.counts = True
        schedule(local(dt.time(7, 30)) + dt.timedelta(minutes=3 * k), "dropoff", submit)
        schedule(local(dt.time(9, 0)) + dt.timedelta(minutes=7 * k), "dropoff", review)
        schedule(local(dt.time(15, 0)) + dt.timedelta(minutes=5 * k), "dropoff", ready)
        schedule(local(dt.time(16, 30)) + dt.timedelta(minutes=5 * k), "dropoff", collect)


def _page_jpeg() -> tuple[bytes, int, int]:
    """One plain scanned-looking page (a few text lines on white), made here: no image file needed."""
    import cv2
    import numpy as np

    page = np.full((1100, 800), 245, dtype=np.uint8)
    for row in range(12):
        cv2.line(page, (80, 120 + row * 70), (720 - (row % 3) * 90, 120 + row * 70), 40, 6)
    ok, encoded = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 70])
    return encoded.tobytes(), page.shape[1], page.shape[0]


def _fake_id_number(rng: random.Random) -> str:
    """A well-formed resident ID number of nobody (沁水县 area code, a real birth date, ISO 7064 check)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
    body = f"140521{birth:%Y%m%d}{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def simulate_days(settings, open_hall, first: dt.date, days: int, database: Path, seed: int,
                  profile: dict[int, float] | None = None, dropoffs: int = 3) -> list[SimulatedDay]:
    """`days` consecutive calendar days from `first` (closed days are skipped) into `database`."""
    rng = random.Random(seed)
    clock = ManualClock(dt.datetime.combine(first, dt.time(7, 0), tzinfo=HALL_TZ))
    hall = open_hall(settings, clock=clock, database=database)
    try:
        results = []
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            clock.set(dt.datetime.combine(day, dt.time(7, 0), tzinfo=HALL_TZ))
            results.append(simulate_day(hall, clock, day, rng, profile, dropoffs))
        return results
    finally:
        hall.close()


def _sim_day_handler(args) -> int:
    import os

    day = dt.date.fromisoformat(args.date)
    database = Path(args.db).expanduser().resolve()
    # Keys and sealed scans of the simulated hall live beside its database, never in the real hall's folder.
    os.environ["KIOSK_DATA_DIR"] = str(database.with_name(database.name + ".data"))
    settings = args.hall_settings()
    profile = parse_profile(args.arrivals)
    results = simulate_days(settings, args.open_hall, day, args.days, database, args.seed, profile, args.dropoffs)
    for result in results:
        if not result.issued and not result.dropoffs:
            print(f"{result.day} 不办公，跳过")
            continue
        print(f"{result.day}：取号{len(result.issued)}人，未取到号{result.refused}人，评价{result.ratings}条，"
              f"投递{result.dropoffs}件")
    print(f"数据库：{database}")
    return 0


def _register_sim(cli) -> None:
    p = cli.command("day", "simulate hall days through the real queue engine into a database (for reports)",
                    _sim_day_handler, group="sim", group_help="simulators")
    p.add_argument("--date", required=True, help="the first day, e.g. 2026-11-27")
    p.add_argument("--days", type=int, default=1, help="consecutive calendar days (closed days are skipped)")
    p.add_argument("--arrivals", help=f"profile: {', '.join(ARRIVAL_PROFILES)} (default typical) or 8=12,9=20,…")
    p.add_argument("--db", default="sim-hall.db", help="database to write (created if missing; default ./sim-hall.db)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dropoffs", type=int, default=3, help="drop-offs handed in per day")

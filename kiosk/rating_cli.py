"""`kiosk rating …`: the 差评 follow-up and the ratings of a period, at the hall's terminal.

    kiosk rating followups [--handled] [--json]     the open 差评 (oldest first), or the handled ones
    kiosk rating handle ID --note "…" --staff NAME  close a follow-up; NAME must be an active hall
                                                    manager's account (recorded in rating_audit)
    kiosk rating list --period P [--json]           every rating of a day, ISO week or month

Every command takes --db and --at like `kiosk dropoff`. The same follow-up is handled
in the console (/staff/followups); both go through RatingService.handle_followup.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from devices.base.cli_output import add_json_flag, print_json
from devices.base.clock import ManualClock, SystemClock, parse_local
from kiosk.stats.period import parse_period


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--db", help="database file (default: hall.db in the data directory)")
    parser.add_argument("--at", help="act at this local time, e.g. 2026-11-27T09:30 (scripts, tests)")
    add_json_flag(parser)
    return parser


def _with_hall(work):
    def handler(args: argparse.Namespace) -> int:
        clock = ManualClock(parse_local(args.at)) if args.at else SystemClock()
        hall = args.open_hall(clock=clock, database=Path(args.db) if args.db else None, enforce_hours=False)
        try:
            return work(args, hall)
        finally:
            hall.close()
    return handler


def _line(data: dict) -> str:
    where = f"{data['window_number']}号窗口" if data["window_number"] else "投递"
    text = (f"#{data['id']}  {data['business_day']}  {data['subject_code'] or '—'}  {where}  "
            f"{data['staff'] or '—'}  {data['level_zh']}  {'、'.join(data['reasons_zh'])}")
    if data["comment"]:
        text += f"  “{data['comment']}”"
    if data["followup"] == "handled":
        text += f"\n    已处理 {data['handled_at'][:16].replace('T', ' ')} {data['handled_by']}：{data['handled_note']}"
    return text


def _followups(args, hall) -> int:
    items = [item.as_dict() for item in hall.ratings.followups("handled" if args.handled else "open")]
    if args.json:
        print_json(items)
        return 0
    if not items:
        print("没有待处理的差评回访 / no open follow-up" if not args.handled else "还没有处理过的差评 / none handled")
    for data in items:
        print(_line(data))
    return 0


def _handle(args, hall) -> int:
    manager = hall.accounts.account(args.staff)
    rating = hall.ratings.handle_followup(args.id, manager, args.note)
    if args.json:
        print_json(rating.as_dict())
    else:
        print(f"#{rating.id} 已处理（{rating.handled_by}）：{rating.handled_note}")
    return 0


def _list(args, hall) -> int:
    period = parse_period(args.period)
    ratings = hall.ratings.ratings(period.first.isoformat(), period.last.isoformat())
    if args.json:
        print_json([r.as_dict() for r in ratings])
        return 0
    print(f"{period.label_zh}：{len(ratings)}条评价")
    for r in ratings:
        where = f"{r.window_number}号窗口" if r.window_number else "投递"
        reasons = "、".join(r.as_dict()["reasons_zh"])
        print(f"#{r.id}  {r.business_day}  {r.level_zh:<5} {where}  {r.staff or '—'}  {reasons}"
              f"{'  “' + r.comment + '”' if r.comment else ''}"
              f"{'  [回访' + ('待处理' if r.followup == 'open' else '已处理') + ']' if r.followup else ''}")
    return 0


def register(cli) -> None:
    group = ("rating", "ratings (好差评): the 差评 follow-up and a period's ratings")
    parser = _common(cli.command("followups", "the open 差评 follow-ups (or --handled ones)",
                                 _with_hall(_followups), *group))
    parser.add_argument("--handled", action="store_true", help="the handled ones, newest first")
    parser = _common(cli.command("handle", "close a 差评's follow-up with a note (hall managers only)",
                                 _with_hall(_handle), *group))
    parser.add_argument("id", type=int, help="the rating's number (#ID in `kiosk rating followups`)")
    parser.add_argument("--note", required=True, help="what was done, e.g. 已电话回访并致歉")
    parser.add_argument("--staff", required=True, help="the hall manager's account name (recorded)")
    parser = _common(cli.command("list", "every rating of a period", _with_hall(_list), *group))
    parser.add_argument("--period", required=True, help="2026-11-27 (day), 2026-W48 (week) or 2026-11 (month)")

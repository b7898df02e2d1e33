"""`kiosk ticket …`, `kiosk window …`, `kiosk queue status`, `kiosk db check`.

For scripts and operators: every command takes `--db PATH` (default: the hall's
database in its data directory), `--at 2026-11-27T09:30` (act at a given local
time) and `--json` (machine-readable stdout).
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from devices.base.cli_output import add_json_flag, print_json
from devices.base.clock import ManualClock, SystemClock, parse_local
from kiosk.queueing.models import CounterResult


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--db", help="database file (default: hall.db in the data directory)")
    parser.add_argument("--at", help="act at this local time, e.g. 2026-11-27T09:30 (scripts, tests)")
    add_json_flag(parser)
    return parser


def _open_hall(args: argparse.Namespace):
    """The hall from the composition root, on --db and at --at if given."""
    clock = ManualClock(parse_local(args.at)) if getattr(args, "at", None) else SystemClock()
    return args.open_hall(clock=clock, database=Path(args.db) if args.db else None)


def _issue(args) -> int:
    hall = _open_hall(args)
    issued = hall.tickets.take_number(args.queue, args.priority, args.holder_id, channel=args.channel)
    if args.json:
        # The ticket's phone page (/t/<token>, served by `kiosk serve`).
        print_json(issued.as_dict() | {"link": hall.links.ticket_address(issued.ticket.id)})
    else:
        print(f"{issued.code}  {issued.queue_name}  前面还有{issued.people_ahead}人  {issued.estimate.text_zh}")
    return 0


def _print_result(args, result: CounterResult) -> int:
    if args.json:
        print_json(result.as_dict())
    else:
        code = result.ticket.code if result.ticket else ""
        status = result.ticket.status if result.ticket else ""
        print(" ".join(part for part in (result.action, code, status, result.announcement) if part))
    return 0


def _counter(action: str):
    def handler(args) -> int:
        hall = _open_hall(args)
        engine = hall.engine
        operations = {
            "call": lambda: engine.call_ticket(args.window, args.code) if args.code else engine.call_next(args.window),
            "recall": lambda: engine.recall(args.window),
            "start": lambda: engine.start(args.window),
            "finish": lambda: engine.finish(args.window),
            "no-show": lambda: engine.no_show(args.window),
            "transfer": lambda: engine.transfer(args.window, args.to),
            "suspend": lambda: engine.suspend(args.window),
            "resume": lambda: engine.resume(args.window, args.code),
            "reactivate": lambda: engine.reactivate(args.code),
            "pause": lambda: engine.pause_window(args.window),
            "open": lambda: engine.resume_window(args.window),
            "confirm-clock": lambda: hall.tickets.confirm_clock(actor="operator"),
        }
        return _print_result(args, operations[action]())

    return handler


def _status(args) -> int:
    engine = _open_hall(args).engine
    queues = engine.status()
    windows = engine.windows()
    if args.json:
        print_json({
            "hall": engine.settings.hall.name,
            "business_day": engine.today(),
            "queues": [q.as_dict() for q in queues],
            "windows": [
                {"number": w.number, "name": w.name, "queues": list(w.queues), "paused": w.paused,
                 "current": w.current.code if w.current else None}
                for w in windows
            ],
        })
        return 0
    print(f"{engine.settings.hall.name}  {engine.today()}")
    for q in queues:
        print(f"  {q.queue_id} {q.name}: 已取{q.issued} 等候{q.waiting} 窗口{q.at_window} 挂起{q.suspended} "
              f"办结{q.finished} 过号{q.no_show}  {q.estimate_for_next.text_zh}")
    for w in windows:
        state = "暂停" if w.paused else (w.current.code if w.current else "空闲")
        print(f"  {w.number}号窗口 {w.name} ({'/'.join(w.queues)}): {state}")
    return 0


def _open_store(args: argparse.Namespace):
    """Only the database (check, backup): a damaged file is reported, not 'repaired' by setup writes."""
    from kiosk.store import Store

    return Store(Path(args.db) if args.db else args.hall_settings().database_path)


def _db_check(args) -> int:
    store = _open_store(args)
    problems = store.integrity_problems()
    counts = store.table_counts()
    if args.json:
        print_json({"database": str(store.path), "schema_version": store.schema_version(),
                    "ok": not problems, "problems": problems, "rows": counts})
    elif problems:
        print(f"{store.path}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  - {problem}")
    else:
        rows = ", ".join(f"{name} {n}" for name, n in counts.items())
        print(f"{store.path}: ok (schema version {store.schema_version()}; rows: {rows})")
    return 1 if problems else 0


def _db_purge(args) -> int:
    from kiosk.retention import purge_expired_personal_data

    hall = _open_hall(args)
    result = purge_expired_personal_data(hall.settings, hall.store, hall.clock)
    if args.json:
        print_json(result)
    else:
        before = result["before_day"]
        print(f"cleared {result['holder_hashes_cleared']} holder hashes of business days before {before}"
              if before else "no tickets yet: no holder hashes to clear")
    return 0


def _db_backup(args) -> int:
    store = _open_store(args)
    target = store.backup_to(args.to)
    # Read-only (the backup stays as written); as_uri() quotes '?' and '#' in the path.
    copy = sqlite3.connect(target.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        counts = {table: copy.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("tickets", "events")}
    finally:
        copy.close()
    if args.json:
        print_json({"database": str(store.path), "backup": str(target), "rows": counts})
    else:
        print(f"备份完成 backed up to {target} (tickets {counts.get('tickets', 0)}, events {counts.get('events', 0)})")
    return 0


def register(cli) -> None:
    ticket_help = "queue tickets: issue and counter operations"
    p = _common(cli.command("issue", "issue a ticket (取号)", _issue, group="ticket", group_help=ticket_help))
    p.add_argument("--queue", required=True, help="queue id or prefix, e.g. A (综合受理) or B (综合出件)")
    p.add_argument("--priority", default="normal", help="normal, elderly, disabled, military, pregnant")
    p.add_argument("--holder-id", help="the holder's ID number (kept only as a keyed hash)")
    p.add_argument("--channel", default="cli", help="where the ticket came from (kiosk, counter, cli)")

    window_ops = {
        "call": "call the next ticket (priority policy, then first come first served), or --code to call one",
        "recall": "call the current ticket again (重呼); past the limit it becomes a no-show",
        "start": "the citizen arrived at the window: service starts",
        "finish": "finish the current ticket (办结)",
        "no-show": "mark the current ticket as not turned up (过号)",
        "transfer": "move the current ticket to another queue, keeping its place",
        "suspend": "suspend the current ticket (挂起)",
        "resume": "resume a suspended ticket at this window",
    }
    for name, help_text in window_ops.items():
        p = _common(cli.command(name, help_text, _counter(name), group="ticket", group_help=ticket_help))
        p.add_argument("--window", type=int, required=True, help="window number")
        if name == "transfer":
            p.add_argument("--to", required=True, help="target queue id")
        if name in ("resume", "call"):
            p.add_argument("--code", required=(name == "resume"), help="ticket number, e.g. A012")
    p = _common(cli.command("reactivate", "put a no-show ticket back in line", _counter("reactivate"),
                            group="ticket", group_help=ticket_help))
    p.add_argument("--code", required=True, help="ticket number, e.g. A012")

    for name, help_text in (("pause", "pause a window (暂停服务)"), ("open", "resume a paused window")):
        p = _common(cli.command(name, help_text, _counter(name), group="window", group_help="counter windows"))
        p.add_argument("--window", type=int, required=True)

    _common(cli.command("status", "people waiting, windows and wait estimates", _status,
                        group="queue", group_help="the hall's queues"))
    _common(cli.command("confirm-clock", "the clock is right: resume issuing stopped because the clock read "
                        "behind the last ticket", _counter("confirm-clock"), group="queue",
                        group_help="the hall's queues"))
    p = cli.command("check", "check the database's integrity and the queue's invariants", _db_check,
                    group="db", group_help="the hall database")
    p.add_argument("--db", help="database file")
    add_json_flag(p)
    _common(cli.command("purge", "clear personal data no longer needed (holder hashes of finished business days)", _db_purge,
                        group="db", group_help="the hall database"))
    p = cli.command("backup", "copy the database to a file or folder (e.g. a USB stick) while the hall works",
                    _db_backup, group="db", group_help="the hall database")
    p.add_argument("--to", required=True, help="target file, or a folder to put hall-YYYYMMDD-HHMMSS.db in")
    p.add_argument("--db", help="database file")
    add_json_flag(p)

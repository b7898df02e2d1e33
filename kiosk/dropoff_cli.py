"""`kiosk dropoff …`: the 综合受理 window's review of drop-offs, and assisted submission.

    kiosk dropoff list [--status submitted|accepted|correction|rejected|ready|collected|lapsed|all]
    kiosk dropoff show CODE            the holder, phone, pages and the audit trail
    kiosk dropoff accept CODE          assigns the case number 办件编号; the time limit starts
    kiosk dropoff correct CODE --reason missing --reason unclear [--text …]
    kiosk dropoff reject CODE --reason "…"
    kiosk dropoff ready CODE | collect CODE
    kiosk dropoff pdf CODE --out FILE  the only way a scan leaves the vault in clear (audited)
    kiosk dropoff submit --matter ID --page IMAGE… --id-number N --phone P [--name 姓名]
                                       (帮办代办: the same service and checks as the kiosk)
    kiosk dropoff progress CODE --last4 1234
    kiosk dropoff reasons              the correction reasons `correct` takes

Every command takes --db, --at and --json like `kiosk ticket`; staff actions take
--staff NAME (who is recorded in the audit; default: the login user).
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from devices.base.cli_output import add_json_flag, print_json
from devices.base.clock import ManualClock, SystemClock, parse_local
from devices.base.errors import KioskError
from kiosk.dropoff.models import STATUSES as CASE_STATUSES

STATUSES = (*CASE_STATUSES, "all")


def _common(parser: argparse.ArgumentParser, staff: bool = False) -> argparse.ArgumentParser:
    parser.add_argument("--db", help="database file (default: hall.db in the data directory)")
    parser.add_argument("--at", help="act at this local time, e.g. 2026-11-27T09:30 (scripts, tests)")
    if staff:
        parser.add_argument("--staff", help="who acts (recorded in the audit); default: the login user")
    add_json_flag(parser)
    return parser


def _hall(args: argparse.Namespace):
    clock = ManualClock(parse_local(args.at)) if getattr(args, "at", None) else SystemClock()
    return args.open_hall(clock=clock, database=Path(args.db) if args.db else None, enforce_hours=False)


def _actor(args: argparse.Namespace) -> str:
    return "staff:" + (args.staff or getpass.getuser())


def _show_view(args, view) -> int:
    if args.json:
        print_json(view.as_dict())
        return 0
    print(f"{view.code}  {view.matter_name}  [{view.status}]  {view.page_count}页  {view.holder_name}"
          f"  {view.id_number_masked}  {view.phone}")
    print(f"  submitted {view.submitted_at:%Y-%m-%d %H:%M} via {view.channel}; review on {view.review_on}")
    if view.case_number:
        print(f"  case {view.case_number}, accepted {view.accepted_at:%Y-%m-%d %H:%M}, due {view.due_on}")
    if view.status_note:
        print(f"  note: {view.status_note}")
    for page in view.pages:
        state = "" if page.available else " (deleted)"
        if not page.upright_sure:
            state += " (which way is up was not sure: check it)"
        print(f"  page {page.number}: {page.material_name} {page.width}x{page.height}{state}")
    for at, action, actor, detail in view.audit:
        print(f"  {at} {action} by {actor} {detail}")
    return 0


def _with_hall(work):
    def handler(args: argparse.Namespace) -> int:
        hall = _hall(args)
        try:
            return work(args, hall)
        finally:
            hall.close()
    return handler


def _list(args, hall) -> int:
    views = hall.dropoff.list(None if args.status == "all" else args.status)
    if args.json:
        print_json([v.as_dict() for v in views])
        return 0
    if not views:
        print("没有待处理的投递 / nothing to review")
    for view in views:
        print(f"{view.code}  {view.submitted_at:%m-%d %H:%M}  {view.status:<10} {view.page_count:>2}页  "
              f"{view.matter_name}  {view.holder_name}  {view.phone}")
    return 0


def _show(args, hall) -> int:
    return _show_view(args, hall.dropoff.show(args.code, _actor(args)))


def _accept(args, hall) -> int:
    return _show_view(args, hall.dropoff.accept(args.code, _actor(args)))


def _correct(args, hall) -> int:
    return _show_view(args, hall.dropoff.request_correction(args.code, args.reason or [], args.text or "",
                                                             _actor(args)))


def _reject(args, hall) -> int:
    return _show_view(args, hall.dropoff.reject(args.code, args.reason, _actor(args)))


def _ready(args, hall) -> int:
    return _show_view(args, hall.dropoff.mark_ready(args.code, _actor(args)))


def _collect(args, hall) -> int:
    return _show_view(args, hall.dropoff.mark_collected(args.code, _actor(args)))


def _pdf(args, hall) -> int:
    out = hall.dropoff.export_pdf(args.code, Path(args.out), _actor(args), args.why or "")
    if args.json:
        print_json({"code": args.code, "out": str(out)})
    else:
        print(f"wrote {out} (decrypted; recorded in the audit). Delete it when the case has been forwarded.")
    return 0


def _submit(args, hall) -> int:
    service = hall.dropoff
    draft = service.start(args.matter, args.id_number, args.name or "", from_card=False)
    phone = service.check_phone(args.phone)  # before any page is read: a typo costs nothing
    if not phone.ok:
        raise KioskError(f"phone refused: {phone.message_en}", phone.message_zh)
    slots = draft.matter.materials
    if args.material and (len(args.material) != len(args.page)
                          or not all(1 <= n <= len(slots) for n in args.material)):
        raise KioskError(f"--material needs one number 1-{len(slots)} per page",
                         f"材料编号不对：每一页写一个1到{len(slots)}之间的编号")
    for position, path in enumerate(args.page):
        # Without --material, pages go to the materials in order, extra pages to the last one.
        index = args.material[position] - 1 if args.material else min(position, len(slots) - 1)
        try:
            service.add_page_from_file(draft, index, path)
        except KioskError as exc:
            raise KioskError(f"{path}: {exc.message_en}", f"{Path(path).name}：{exc.message_zh}") from exc
    draft.phone = args.phone
    draft.consent = True  # the counter reads the notice to the citizen (帮办代办 form)
    submitted = service.submit(draft, actor=_actor(args), channel="counter")
    if args.json:
        print_json({"code": submitted.code, "pages": submitted.page_count, "matter": submitted.matter_name,
                    "review_on": submitted.review_on.isoformat() if submitted.review_on else None})
    else:
        print(submitted.code)
    return 0


def _progress(args, hall) -> int:
    progress = hall.dropoff.progress_by_code(args.code, args.last4, source="cli")
    if args.json:
        print_json({"code": progress.code, "status": progress.status, "status_zh": progress.status_zh,
                    "matter": progress.matter_name, "note": progress.note_zh, "case_number": progress.case_number,
                    "due_on": progress.due_on.isoformat() if progress.due_on else None,
                    "steps": [{"at": s.at.isoformat(), "status": s.status, "text": s.text_zh}
                              for s in progress.steps]})
    else:
        print(f"{progress.code} {progress.matter_name}: {progress.status_zh} {progress.note_zh}")
        for step in progress.steps:
            print(f"  {step.at:%Y-%m-%d %H:%M} {step.text_zh}")
    return 0


def _reasons(args) -> int:
    from kiosk.dropoff.models import CORRECTION_REASONS

    if args.json:
        print_json(CORRECTION_REASONS)
    else:
        for key, text in CORRECTION_REASONS.items():
            print(f"{key:<14} {text}")
    return 0


def register(cli) -> None:
    group = ("dropoff", "after-hours drop-offs: review, assisted submission, progress")

    parser = _common(cli.command("list", "drop-offs waiting for review (or in a given status)", _with_hall(_list),
                                 *group))
    parser.add_argument("--status", choices=STATUSES, default="submitted")
    for name, help_text, work in (("show", "one drop-off: holder, pages, audit trail", _show),
                                  ("accept", "accept: assigns the case number, starts the time limit", _accept),
                                  ("ready", "the result is ready at 综合出件", _ready),
                                  ("collect", "the citizen collected the result (closes the case)", _collect)):
        parser = _common(cli.command(name, help_text, _with_hall(work), *group), staff=True)
        parser.add_argument("code")
    parser = _common(cli.command("correct", "ask for a correction (补正)", _with_hall(_correct), *group), staff=True)
    parser.add_argument("code")
    parser.add_argument("--reason", action="append", help="a reason key (see `kiosk dropoff reasons`); repeatable")
    parser.add_argument("--text", help="free text for the citizen")
    parser = _common(cli.command("reject", "reject with a reason", _with_hall(_reject), *group), staff=True)
    parser.add_argument("code")
    parser.add_argument("--reason", required=True)
    parser = _common(cli.command("pdf", "write the submission's PDF decrypted (audited)", _with_hall(_pdf), *group),
                     staff=True)
    parser.add_argument("code")
    parser.add_argument("--out", required=True, help="file to create (must not exist)")
    parser.add_argument("--why", help="why it leaves the vault (recorded), e.g. 转县医保局")
    parser = _common(cli.command("submit", "hand in pages for a citizen (帮办代办), prints the code",
                                 _with_hall(_submit), *group), staff=True)
    parser.add_argument("--matter", required=True, help="the guide's id, e.g. yanglao-canbao")
    parser.add_argument("--page", nargs="+", required=True, metavar="IMAGE")
    parser.add_argument("--material", nargs="+", type=int, help="the material number (1, 2, …) of each page")
    parser.add_argument("--id-number", required=True)
    parser.add_argument("--name", help="the holder's name")
    parser.add_argument("--phone", required=True)
    parser = _common(cli.command("progress", "a drop-off's progress by code and the ID number's last 4",
                                 _with_hall(_progress), *group))
    parser.add_argument("code")
    parser.add_argument("--last4", required=True)
    parser = cli.command("reasons", "the correction reasons `correct` takes", _reasons, *group)
    add_json_flag(parser)

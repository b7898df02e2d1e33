"""`kiosk guides …`: search, show, export, check and index the service-guide catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devices.base.cli_output import add_json_flag, print_json

GROUP = "guides"
GROUP_HELP = "service guides 办事指南"


def register(cli) -> None:
    search = cli.command("search", "find matters by 汉字, pinyin or pinyin initials (e.g. db, dibao, 低保)",
                         _search, group=GROUP, group_help=GROUP_HELP)
    search.add_argument("query", nargs="+", help="what a citizen would type")
    search.add_argument("--limit", type=int, default=10, help="at most this many results (default 10)")
    add_json_flag(search)
    _add_matters_dir(search)

    show = cli.command("show", "print every field of one guide", _show, group=GROUP, group_help=GROUP_HELP)
    show.add_argument("id", help="the guide id (its file name without .toml)")
    show.add_argument("--staff", action="store_true", help="also print where the text came from, to verify a sample")
    add_json_flag(show)
    _add_matters_dir(show)

    export = cli.command("export", "write the printable HTML catalogue or the JSON for the provincial platform",
                         _export, group=GROUP, group_help=GROUP_HELP)
    export.add_argument("--format", choices=("html", "json"), required=True)
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.add_argument("--list-only", action="store_true", help="HTML: only the list, without a page per guide")
    _add_matters_dir(export)

    check = cli.command("check", "validate every matter file and list all problems", _check,
                        group=GROUP, group_help=GROUP_HELP)
    add_json_flag(check)
    _add_matters_dir(check)

    sheet = cli.command("import", "write the hall's own list of matters (事项清单, CSV or XLSX) into the hall's folder",
                        _import, group=GROUP, group_help=GROUP_HELP)
    sheet.add_argument("file", type=Path, help="the sheet: one row per matter, column names on the first row "
                                                "(事项名称, 主管部门, 事项类型, 设定依据, 承诺时限, 申请材料, 办理流程, 收费标准 …)")
    sheet.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    _add_matters_dir(sheet)

    index = cli.command("index", "build the pinyin search index now (done once after the catalogue changes)",
                        _index, group=GROUP, group_help=GROUP_HELP)
    _add_matters_dir(index)

    listing = cli.command("list", "list the matters by department or by life event", _list,
                          group=GROUP, group_help=GROUP_HELP)
    listing.add_argument("--by", choices=("department", "life-event"), default="department")
    add_json_flag(listing)
    _add_matters_dir(listing)


def _add_matters_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--matters", type=Path,
                        help="folder of matter .toml files (default: the hall's own folder, [guides] matters_dir; "
                             "seeded from the packaged samples on first use)")


def _settings(args):
    from kiosk.config import load_settings

    return load_settings(args.config)


def _matters_dir(args) -> Path:
    """--matters, or the hall's own folder (the one the kiosk reads), seeded on first use."""
    if args.matters is not None:
        return args.matters
    from kiosk.guides.hall_folder import prepare_hall_matters

    return prepare_hall_matters(_settings(args))


def _catalogue(args):
    from kiosk.guides.catalogue import load_catalogue

    return load_catalogue(_matters_dir(args))


def _searcher(args, catalogue):
    from kiosk.guides.search import GuideSearch

    # The command line is not the kiosk process: computing missing readings here is fine.
    return GuideSearch(catalogue, cache_dir=_settings(args).data_dir / "cache", in_process=True)


def _search(args) -> int:
    catalogue = _catalogue(args)
    hits = _searcher(args, catalogue).search(" ".join(args.query), limit=args.limit)
    if args.json:
        print_json([{"id": h.guide.id, "name": h.guide.name, "department": h.guide.department, "score": h.score,
                     "matched_on": h.matched_on, "how": h.how, "sample": h.guide.is_sample} for h in hits])
        return 0 if hits else 1
    if not hits:
        from kiosk.guides import labels_zh as zh

        print(zh.NO_RESULTS)
        return 1
    for n, hit in enumerate(hits, start=1):
        print(f"{n:>2}. {hit.guide.name}  [{hit.guide.id}]  {hit.guide.department}  "
              f"(matched {hit.matched_on} by {hit.how}, score {hit.score:g})")
    return 0


def _show(args) -> int:
    catalogue = _catalogue(args)
    guide = catalogue.require(args.id)
    if args.json:
        from kiosk.guides.export import guide_to_json

        print_json(guide_to_json(guide))
        return 0
    rows = guide.display_fields() + (guide.provenance_fields() if args.staff else [])
    for label, text in rows:
        lines = text.splitlines() or [""]
        print(f"{label}：{lines[0]}")
        for line in lines[1:]:
            print(f"    {line}")
    return 0


def _export(args) -> int:
    from devices.base.clock import SystemClock
    from kiosk.guides.export import catalogue_to_html, catalogue_to_json

    settings = _settings(args)
    catalogue = _catalogue(args)
    now = SystemClock().now()
    if args.format == "html":
        hall = args.open_hall(settings)
        try:
            text = catalogue_to_html(catalogue, settings.hall.name, printed=now.date(), guide_link=hall.links.guide,
                                     dropoff_available=settings.dropoff.enabled, with_details=not args.list_only)
        finally:
            hall.close()
    else:
        import json

        text = json.dumps(catalogue_to_json(catalogue, settings.hall.name, generated=now), ensure_ascii=False, indent=2)
    if args.out is None:
        sys.stdout.write(text + "\n")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({len(catalogue)} matters)", file=sys.stderr)
    return 0


def _check(args) -> int:
    from kiosk.guides.catalogue import catalogue_warnings, load_catalogue

    folder = _matters_dir(args)
    catalogue = load_catalogue(folder, strict=False)
    warnings = catalogue_warnings(catalogue, tuple(q.name for q in _settings(args).queues))
    if args.json:
        print_json({"folder": str(folder), "loaded": len(catalogue), "problems": [p.as_dict() for p in catalogue.problems],
                    "warnings": warnings})
    else:
        for problem in catalogue.problems:
            print(problem.message_en)
        for warning in warnings:
            print(f"warning: {warning}")
        samples = sum(1 for g in catalogue if g.is_sample)
        print(f"checked {folder}", file=sys.stderr)
        print(f"{len(catalogue)} matters load ({samples} still samples to verify), {len(catalogue.problems)} broken files")
    return 1 if catalogue.problems else 0


def _import(args) -> int:
    from devices.base.clock import SystemClock
    from kiosk.guides.sheet_import import plan_import, read_sheet, write_import

    settings = _settings(args)
    folder = _matters_dir(args)
    rows = read_sheet(args.file)
    plan = plan_import(rows, folder, source=args.file.name, today=SystemClock().now().date(),
                       jurisdiction=f"{settings.hall.county}{settings.hall.township}（{settings.hall.name}）")
    if plan.ignored_columns:
        print(f"ignored columns 未使用的列: {'、'.join(plan.ignored_columns)}", file=sys.stderr)
    if plan.problems:
        for problem in plan.problems:
            print(problem.message())
        print(f"未导入任何事项：请改正以上{len(plan.problems)}处后重新导入 / nothing imported: "
              f"fix the {len(plan.problems)} problem(s) above and import again")
        return 1
    if args.dry_run:
        print(f"{len(plan.files)} matters are ready to import into {folder} (dry run: nothing written)")
        return 0
    written = write_import(plan, folder)
    print(f"已导入{len(written)}个事项 / imported {len(written)} matters into {folder}")
    return 0


def _index(args) -> int:
    import time

    started = time.perf_counter()
    catalogue = _catalogue(args)
    _searcher(args, catalogue)
    print(f"pinyin index ready for {len(catalogue)} matters in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


def _list(args) -> int:
    catalogue = _catalogue(args)
    groups = catalogue.by_department() if args.by == "department" else catalogue.by_life_event()
    if args.json:
        print_json({group: [{"id": g.id, "name": g.name} for g in guides] for group, guides in groups.items()})
        return 0
    for group, guides in groups.items():
        print(f"{group}（{len(guides)}）")
        for guide in guides:
            print(f"    {guide.id:<24} {guide.name}")
    return 0

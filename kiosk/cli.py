"""The `kiosk` console command.

Subcommands live beside the code they drive: each module in COMMAND_MODULES has a
`register(cli)` function taking the CommandLine below. No command module imports
this one or the composition root: a handler gets the hall's settings from
`args.hall_settings()` and a built hall (database, queue, services) from
`args.open_hall()`, both made here from the composition root. A device package that is not installed yet is
skipped (its module is absent); an error inside a present module is never hidden.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import os
import select
import sys
from typing import Any, Callable

from devices.base.cli_output import print_json
from devices.base.errors import KioskError
from kiosk.privacy import PRIVATE_UMASK

log = logging.getLogger("kiosk.cli")

COMMAND_MODULES = (
    "kiosk.queue_cli",
    "kiosk.demo",
    "kiosk.report_cli",
    "kiosk.rating_cli",
    "kiosk.staff_cli",
    "kiosk.account_cli",
    "kiosk.device_cli",
    "kiosk.web.cli",
    "kiosk.dropoff_cli",
    "kiosk.guides.cli",
    "devices.idcard.cli",
    "devices.printer.cli",
    "devices.camera.cli",
    "kiosk.root.touch_screen",
)


class CommandLine:
    """Owns the argparse tree; modules add groups (`ticket`, `sim`, …) and commands."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser(
            prog="kiosk",
            description="沁心办 township hall kiosk: queue, devices, guides and the touch-screen app.",
        )
        self.parser.add_argument("--config", help="hall settings file (default: the packaged 嘉峰镇 hall, or $KIOSK_CONFIG)")
        self.parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
        self._top = self.parser.add_subparsers(dest="command", metavar="COMMAND")
        self._groups: dict[str, Any] = {}

    def group(self, name: str, help: str) -> Any:
        """The sub-command set of a group such as `ticket` or `sim`, created once."""
        if name not in self._groups:
            parser = self._top.add_parser(name, help=help)
            self._groups[name] = parser.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)
        return self._groups[name]

    def command(self, name: str, help: str, handler: Callable[[argparse.Namespace], int | None],
                group: str | None = None, group_help: str = "") -> argparse.ArgumentParser:
        where = self.group(group, group_help) if group else self._top
        parser = where.add_parser(name, help=help, description=help)
        parser.set_defaults(handler=handler)
        return parser


def build_command_line() -> CommandLine:
    cli = CommandLine()
    for module_name in COMMAND_MODULES:
        if importlib.util.find_spec(module_name.rsplit(".", 1)[0]) is None:
            continue
        try:
            spec = importlib.util.find_spec(module_name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        importlib.import_module(module_name).register(cli)
    return cli


def main(argv: list[str] | None = None) -> int:
    # Files the kiosk creates (the hall database, holder.key, caches) are readable by
    # its own user only. Restored on return, so a test calling main() in-process does
    # not change its own umask for good.
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        return _main(argv)
    finally:
        os.umask(previous_umask)


def _main(argv: list[str] | None) -> int:
    cli = build_command_line()
    args = cli.parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler = getattr(args, "handler", None)
    # Commands (device ones included) get the hall's settings through args, so no
    # command module has to import the settings loader of a layer above it.
    args.hall_settings = lambda: _load_settings(args.config)
    args.open_hall = lambda settings=None, **options: _open_hall(settings or args.hall_settings(), **options)
    # `kiosk serve --workers N`: what each uvicorn worker imports to open the hall and build the app.
    args.hall_app_factory = "kiosk.root.web_server:create_app_from_settings"
    if handler is None:
        cli.parser.print_help()
        return 2
    try:
        return _dispatch(handler, args)
    except BrokenPipeError:
        if not _stdout_is_closed():
            raise  # a socket or device, not our reader: a real error
        # `kiosk … --json | head`: the reader left; that is not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _load_settings(path: str | None) -> Any:
    from kiosk.config import load_settings

    return load_settings(path)


def _open_hall(settings: Any, **options: Any) -> Any:
    from kiosk.root.hall import open_hall

    return open_hall(settings, **options)


def _dispatch(handler, args) -> int:
    try:
        code = int(handler(args) or 0)
    except KioskError as exc:
        log.error("%s: %s", exc.code, exc.message_en)
        if getattr(args, "json", False):
            print_json(exc.as_dict())
        else:
            print(f"错误：{exc.message_zh}\nerror: {exc.message_en}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        return 130
    sys.stdout.flush()  # here, so a closed pipe is caught by main rather than at exit
    return code


def _stdout_is_closed() -> bool:
    """Is our stdout a pipe nobody reads any more? (POLLERR on its write end.)"""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no poll() here, or stdout is not a file
        return False

if __name__ == "__main__":
    sys.exit(main())

"""`kiosk staff set-pin | status`: the staff PIN, set at the machine's terminal by whoever installs it.

The touch screen has no way to choose the PIN: a citizen at an unattended kiosk
must never be the one to set it. The PIN is read without echo (twice), or one
line from stdin with `--pin-stdin` for install scripts, and stored hashed in the
data directory by the hall's StaffAccess service.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from devices.base.cli_output import print_json
from devices.base.errors import KioskError
from kiosk import texts_zh

PROMPT = "新的工作人员密码（至少6位数字）/ new staff PIN (6+ digits): "
PROMPT_AGAIN = "再输入一次 / the same PIN again: "


def _read_pin(args: argparse.Namespace) -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass(PROMPT)
    if getpass.getpass(PROMPT_AGAIN) != first:
        raise KioskError("the two PINs typed differ; nothing was changed", texts_zh.STAFF_PIN_MISMATCH)
    return first.strip()


def _set_pin(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    hall = args.open_hall()
    try:
        path = hall.staff_access.set_pin(pin)
    finally:
        hall.close()
    print(f"{texts_zh.STAFF_PIN_SET}：{path}\nstaff PIN set: {path} (mode 0600, salted scrypt hash; "
          "wrong tries reset)")
    return 0


def _status(args: argparse.Namespace) -> int:
    hall = args.open_hall()
    try:
        state = hall.staff_access.state()
        path = hall.staff_access.path
    finally:
        hall.close()
    report = {"configured": state.configured, "file": str(path),
              "locked_until": state.locked_until.isoformat() if state.locked_until else None,
              "message_zh": state.message_zh}
    if args.json:
        print_json(report)
    elif not state.configured:
        print(f"{state.message_zh}\nno staff PIN is set ({path}): run `kiosk staff set-pin`")
    elif state.locked_until:
        print(f"{state.message_zh}\nstaff PIN set ({path}); locked until {state.locked_until:%Y-%m-%d %H:%M:%S}")
    else:
        print(f"工作人员密码已设置\nstaff PIN set ({path})")
    return 0


def register(cli) -> None:
    group_help = "staff access at this kiosk (the PIN for the staff panel)"
    parser = cli.command("set-pin", "set the staff PIN (asked twice, not echoed); stored hashed in the data "
                         "directory, never in the settings file", _set_pin, group="staff", group_help=group_help)
    parser.add_argument("--pin-stdin", action="store_true", help="read the PIN from one line of stdin (scripts)")
    parser = cli.command("status", "is a staff PIN set, and is it locked now?", _status, group="staff",
                         group_help=group_help)
    parser.add_argument("--json", action="store_true")

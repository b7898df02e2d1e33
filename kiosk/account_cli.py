"""`kiosk account create-manager | list | reset-password | unlock`: staff accounts of the hall server, at the machine's terminal.

The first hall manager can only be made here, by whoever has this machine's
terminal: no web page, least of all one a citizen can reach, creates a manager.
The password is read without echo (twice), or as one line of stdin with
`--password-stdin` for install scripts. Managers then create the staff accounts
from the counter console (/staff/accounts).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from devices.base.cli_output import print_json
from devices.base.errors import KioskError

PROMPT = "新管理员的密码（至少8位）/ password for the new manager (8+ characters): "
PROMPT_AGAIN = "再输入一次 / the same password again: "


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(PROMPT)
    if getpass.getpass(PROMPT_AGAIN) != first:
        raise KioskError("the two passwords typed differ; nothing was created", "两次输入的密码不一样，没有创建账号")
    return first


def _create_manager(args: argparse.Namespace) -> int:
    password = _read_password(args)
    hall = args.open_hall()
    try:
        account = hall.accounts.create_manager(args.name, password, display_name=args.display_name or "",
                                               actor="terminal")
    finally:
        hall.close()
    if args.json:
        print_json({"account": account.as_dict()})
    else:
        print(f"已创建管理员账号：{account.username}\nmanager account {account.username!r} created; "
              "log in at /staff of the hall server")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"{args.name} 的新密码（至少8位）/ new password for {args.name} (8+ characters): ")
        if getpass.getpass(PROMPT_AGAIN) != password:
            raise KioskError("the two passwords typed differ; nothing was changed", "两次输入的密码不一样，没有修改")
    hall = args.open_hall()
    try:
        account = hall.accounts.reset_password(args.name, password, actor="terminal")
    finally:
        hall.close()
    if args.json:
        print_json({"account": account.as_dict()})
    else:
        print(f"已重设密码：{account.username}（已登录的页面需要重新登录）\npassword of {account.username!r} reset; "
              "its sessions ended and any lockout lifted")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    hall = args.open_hall()
    try:
        account = hall.accounts.unlock(args.name, actor="terminal")
    finally:
        hall.close()
    if args.json:
        print_json({"account": account.as_dict()})
    else:
        print(f"已解锁：{account.username}\naccount {account.username!r} unlocked")
    return 0


def _list(args: argparse.Namespace) -> int:
    hall = args.open_hall()
    try:
        accounts = hall.accounts.accounts()
    finally:
        hall.close()
    if args.json:
        print_json({"accounts": [a.as_dict() for a in accounts]})
        return 0
    if not accounts:
        print("还没有账号 / no accounts yet: run `kiosk account create-manager NAME`")
    for a in accounts:
        state = "active" if a.active else "disabled"
        locked = f", locked until {a.locked_until:%H:%M:%S}" if a.locked_until else ""
        print(f"{a.username}  {a.role}  {state}{locked}  {a.display_name}")
    return 0


def register(cli) -> None:
    group_help = "staff accounts of the hall server (counter console)"
    parser = cli.command("create-manager", "create a hall manager account (password asked twice, not echoed)",
                         _create_manager, group="account", group_help=group_help)
    parser.add_argument("name", help="the account name to log in with, e.g. wangli")
    parser.add_argument("--display-name", help="the person's name as shown in the console")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    parser.add_argument("--json", action="store_true")
    parser = cli.command("list", "list the staff accounts", _list, group="account", group_help=group_help)
    parser.add_argument("--json", action="store_true")
    parser = cli.command("reset-password", "set a new password for an account (asked twice, not echoed); ends its "
                         "sessions and lifts a lockout", _reset_password, group="account", group_help=group_help)
    parser.add_argument("name")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    parser.add_argument("--json", action="store_true")
    parser = cli.command("unlock", "lift an account's lockout after wrong passwords", _unlock, group="account",
                         group_help=group_help)
    parser.add_argument("name")
    parser.add_argument("--json", action="store_true")

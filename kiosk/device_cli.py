"""`kiosk device add | list | disable | enable`: kiosk devices that take numbers through the hall server.

Only here, at the machine's terminal: `add` prints the device's token once (it is
stored hashed); put it into the other kiosk's settings. `disable` shuts a lost or
replaced device out at once; `enable` lets the same token in again.
"""

from __future__ import annotations

import argparse

from devices.base.cli_output import print_json


def _add(args: argparse.Namespace) -> int:
    hall = args.open_hall()
    try:
        device, token = hall.kiosk_devices.add(args.name, actor="terminal")
    finally:
        hall.close()
    if args.json:
        print_json({"device": device.as_dict(), "token": token})
    else:
        print(f"已登记设备：{device.name}\nkiosk device {device.name!r} added. Its token (shown only now; "
              f"send it as 'Authorization: Bearer …' to POST /api/kiosk/tickets):\n{token}")
    return 0


def _list(args: argparse.Namespace) -> int:
    hall = args.open_hall()
    try:
        devices = hall.kiosk_devices.devices()
    finally:
        hall.close()
    if args.json:
        print_json({"devices": [d.as_dict() for d in devices]})
        return 0
    if not devices:
        print("还没有登记设备 / no kiosk devices yet: run `kiosk device add NAME`")
    for d in devices:
        print(f"{d.name}  {'active' if d.active else 'disabled'}  added {d.created_at:%Y-%m-%d %H:%M} by {d.created_by}")
    return 0


def _set_active(active: bool):
    def handler(args: argparse.Namespace) -> int:
        hall = args.open_hall()
        try:
            device = hall.kiosk_devices.set_active(args.name, active, actor="terminal")
        finally:
            hall.close()
        if args.json:
            print_json({"device": device.as_dict()})
        else:
            print(f"{device.name}: {'active' if device.active else 'disabled'}")
        return 0

    return handler


def register(cli) -> None:
    group_help = "kiosk devices that take numbers through the hall server (device tokens)"
    parser = cli.command("add", "register a kiosk device and print its token once", _add, group="device",
                         group_help=group_help)
    parser.add_argument("name", help="the device's name, e.g. kiosk-2")
    parser.add_argument("--json", action="store_true")
    parser = cli.command("list", "list the kiosk devices", _list, group="device", group_help=group_help)
    parser.add_argument("--json", action="store_true")
    for name, active, text in (("disable", False, "refuse a device's token from now on"),
                               ("enable", True, "accept a disabled device's token again")):
        parser = cli.command(name, text, _set_active(active), group="device", group_help=group_help)
        parser.add_argument("name")
        parser.add_argument("--json", action="store_true")

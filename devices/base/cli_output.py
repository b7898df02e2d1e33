"""Output helpers every `kiosk` subcommand shares, wherever its module lives.

In the bottom layer so a device package's commands can plug into the one `kiosk`
command (they are handed the CommandLine) without importing the command itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout (for scripts)")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")

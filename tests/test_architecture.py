"""The layers of README "Layout", held by import-linter's contracts in pyproject.toml.

The second test proves the contracts bite: the same check on a copy of the tree
with one forbidden import added (a device importing the kiosk's database, a service
importing Kivy) must fail and name the broken contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("devices/printer/layouts.py", "import kiosk.store", "Devices know nothing above them"),
    ("kiosk/services/ticketing.py", "import kivy.clock", "imports Kivy"),
    ("screens/home.py", "import kiosk.store", "Screens show and forward"),
    ("kiosk/store.py", "import kiosk.services.ticketing", "Inside kiosk/"),
    ("devices/idcard/codec.py", "import devices.printer.layouts", "each device alone"),
    ("kiosk/web/api.py", "import kiosk.store", "The hall server calls services"),
    ("kiosk/web/pages.py", "import sqlite3", "The hall server calls services"),
])
def test_a_forbidden_import_fails_the_check(tmp_path, module, line, contract):
    tree = tmp_path / "tree"
    for name in ("kiosk", "devices", "screens", "config"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    target = tree / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # forbidden on purpose\n", encoding="utf-8")

    result = _lint(tree)

    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout

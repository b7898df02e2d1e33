"""Loads the `.kv` file that sits beside a screen's `.py`, exactly once per process."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder


def load_kv_beside(py_file: str) -> None:
    path = str(Path(py_file).resolve().with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)

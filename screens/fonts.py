"""Finds a CJK font and makes it Kivy's default, before any label is drawn."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tomllib
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

FONT_NAME = "KioskCJK"


def font_candidates() -> list[str]:
    text = resources.files("screens").joinpath("fonts.toml").read_text(encoding="utf-8")
    return list(tomllib.loads(text)["candidates"])


def find_cjk_font() -> str | None:
    for candidate in font_candidates():
        if Path(candidate).is_file():
            return candidate
    # Last resort: ask fontconfig for any font covering Chinese.
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True,
                                   text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).is_file():
            return found
    return None


def register_cjk_font() -> str | None:
    """Register the CJK font as `KioskCJK` and as Kivy's DEFAULT_FONT; returns its path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = find_cjk_font()
    if path is None:
        log.error("no CJK font found (tried screens/fonts.toml and fontconfig): Chinese text will not render")
        return None
    LabelBase.register(FONT_NAME, path)
    LabelBase.register(DEFAULT_FONT, path)
    return path

"""Finds a CJK font and makes it Kivy's default, before any label is drawn; registers the icon font."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tomllib
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

FONT_NAME = "KioskCJK"


def font_candidates(key: str = "candidates") -> list[str]:
    text = resources.files("screens").joinpath("fonts.toml").read_text(encoding="utf-8")
    return list(tomllib.loads(text)[key])


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
    register_icon_font()
    return path


def register_icon_font() -> str | None:
    """Register the tiles' icon font; without it the kiosk shows words only (logged)."""
    from kivy.core.text import LabelBase

    from screens import icons

    path = next((c for c in font_candidates("icon_candidates") if Path(c).is_file()), None)
    if path is None:
        log.warning("icon font not found (fonts-materialdesignicons-webfont): tiles show words only")
        icons.set_available(False)
        return None
    LabelBase.register(icons.ICON_FONT_NAME, path)
    icons.set_available(True)
    return path

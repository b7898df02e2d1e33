"""Kivy settings that must be in place before the window exists (kiosk mode, size).

Call `configure_kivy` before anything imports `kivy.core.window`.
"""

from __future__ import annotations

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def configure_kivy(fullscreen: bool = False, size: tuple[int, int] = LANDSCAPE) -> None:
    from kivy.config import Config

    # Escape never leaves the kiosk; no red multitouch dots from right clicks.
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "allow_screensaver", "0")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
    else:
        Config.set("graphics", "fullscreen", "0")

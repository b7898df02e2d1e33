"""Icons for the tiles and buttons: Material Design Icons (SIL Open Font License),
from Debian's fonts-materialdesignicons-webfont, which bootstrap.sh installs.

Glyphs are addressed by their codepoint in that package's version (1.6.50, see
/usr/share/fonts-materialdesignicons-webfont/scss/_variables.scss); the names are
the icons' own names there. Without the font the kiosk shows words only.
"""

from __future__ import annotations

ICON_FONT_NAME = "KioskIcons"

CODEPOINTS = {
    "ticket": 0xF516,
    "ticket-confirmation": 0xF518,
    "book-open-page-variant": 0xF5DA,
    "file-document": 0xF219,
    "file-check": 0xF216,
    "help-circle": 0xF2D7,
    "home": 0xF2DC,
    "arrow-left": 0xF04D,
    "format-size": 0xF27F,
    "volume-high": 0xF57E,
    "printer": 0xF42A,
    "magnify": 0xF349,
    "account-card-details": 0xF5D2,
    "check-circle": 0xF5E0,
    "account-multiple": 0xF00E,
    "emoticon-happy": 0xF1F5,
    "emoticon": 0xF1F2,
    "emoticon-neutral": 0xF1F6,
    "emoticon-sad": 0xF1F8,
    "thumb-down": 0xF511,
    "thumb-up": 0xF513,
}

# What each place in the kiosk shows.
TAKE_NUMBER = "ticket"
GUIDES = "book-open-page-variant"
SKIP_CARD = "ticket-confirmation"
HOME = "home"
BACK = "arrow-left"
ELDERLY = "format-size"
VOICE = "volume-high"
PRINT = "printer"
SEARCH = "magnify"
CARD = "account-card-details"
DONE = "check-circle"
RATING = "thumb-up"
# The five levels' faces, 5 非常满意 … 1 非常不满意 (kiosk.satisfaction). In this font
# "emoticon" is the open-mouthed grin and "emoticon-happy" the plain smile; it has no
# angry face, so the lowest level is a thumb down.
RATING_FACES = {5: "emoticon", 4: "emoticon-happy", 3: "emoticon-neutral", 2: "emoticon-sad", 1: "thumb-down"}
# Per queue, by what the citizen comes to do; a hall's own queue ids fall back to a ticket.
QUEUE_ICONS = {"A": "file-document", "B": "file-check", "C": "help-circle"}

_available = False


def set_available(available: bool) -> None:
    global _available
    _available = available


def available() -> bool:
    return _available


def glyph(name: str, size: float | None = None) -> str:
    """Kivy markup for one icon (to put before a button's words), or "" without the icon font."""
    if not _available:
        return ""
    char = chr(CODEPOINTS[name])
    sized = f"[size={int(size)}]{char}[/size]" if size else char
    return f"[font={ICON_FONT_NAME}]{sized}[/font]"


def labelled(name: str, text: str, size: float | None = None, stacked: bool = False) -> str:
    """An icon and its words: side by side for small buttons, stacked for big tiles."""
    icon = glyph(name, size)
    if not icon:
        return text
    return f"{icon}\n{text}" if stacked else f"{icon}  {text}"

"""All sizes and colours of the touch screen, in one object the kv rules bind to.

Normal and elderly (适老化, MIIT 2021) sizes side by side: in elderly mode headings are
≥ 30 dp, body text ≥ 18 dp (here 32), touch targets ≥ 60×60 dp (here 112), line spacing
1.35. Colours keep ≥ 4.5:1 contrast for text (checked in tests/app/test_theme.py).
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from screens.fonts import FONT_NAME

# Font sizes in sp, spacing and targets in dp.
NORMAL = dict(title=44, heading=34, body=26, small=22, button=32, big_button=56, number=150, target=84,
              gap=16, pad=22, bar=96)
ELDERLY = dict(title=58, heading=44, body=34, small=30, button=42, big_button=72, number=190, target=112,
               gap=22, pad=26, bar=120)
SP_KEYS = ("title", "heading", "body", "small", "button", "big_button", "number")

BACKGROUND = (0.96, 0.95, 0.92, 1)
SURFACE = (1, 1, 1, 1)
TEXT = (0.10, 0.10, 0.10, 1)
MUTED = (0.27, 0.27, 0.27, 1)
PRIMARY = (0.07, 0.29, 0.60, 1)
PRIMARY_DOWN = (0.03, 0.16, 0.36, 1)
ON_PRIMARY = (1, 1, 1, 1)
SECONDARY = (0.85, 0.89, 0.95, 1)
SECONDARY_DOWN = (0.62, 0.70, 0.84, 1)
ON_SECONDARY = (0.04, 0.16, 0.38, 1)
# A button that takes no taps now: grey, with ON_SECONDARY words (contrast checked in tests).
DISABLED = (0.82, 0.83, 0.85, 1)
BRAND = (0.70, 0.09, 0.09, 1)
DANGER = (0.62, 0.07, 0.07, 1)
OK = (0.04, 0.40, 0.16, 1)
NOTICE_BG = (0.99, 0.93, 0.80, 1)
# The five rating levels' buttons (5 非常满意 … 1 非常不满意): greens to reds, each dark enough
# for white words (≥ 4.5:1, checked in tests/app/test_idle_and_elderly.py like the rest).
LEVEL_COLOURS = {5: (0.04, 0.40, 0.16, 1), 4: (0.13, 0.42, 0.22, 1), 3: (0.30, 0.36, 0.45, 1),
                 2: (0.62, 0.30, 0.00, 1), 1: (0.62, 0.07, 0.07, 1)}


class Theme(EventDispatcher):
    elderly = BooleanProperty(False)
    font_name = StringProperty(FONT_NAME)
    line_height = NumericProperty(1.3)

    title = NumericProperty(0)
    heading = NumericProperty(0)
    body = NumericProperty(0)
    small = NumericProperty(0)
    button = NumericProperty(0)
    big_button = NumericProperty(0)
    number = NumericProperty(0)
    target = NumericProperty(0)
    gap = NumericProperty(0)
    pad = NumericProperty(0)
    bar = NumericProperty(0)
    radius = NumericProperty(dp(14))

    background = ListProperty(BACKGROUND)
    surface = ListProperty(SURFACE)
    text = ListProperty(TEXT)
    muted = ListProperty(MUTED)
    primary = ListProperty(PRIMARY)
    primary_down = ListProperty(PRIMARY_DOWN)
    on_primary = ListProperty(ON_PRIMARY)
    secondary = ListProperty(SECONDARY)
    secondary_down = ListProperty(SECONDARY_DOWN)
    on_secondary = ListProperty(ON_SECONDARY)
    disabled = ListProperty(DISABLED)
    brand = ListProperty(BRAND)
    danger = ListProperty(DANGER)
    ok = ListProperty(OK)
    notice_bg = ListProperty(NOTICE_BG)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._apply()

    def on_elderly(self, *_args) -> None:
        self._apply()

    def _apply(self) -> None:
        sizes = ELDERLY if self.elderly else NORMAL
        self.line_height = 1.35 if self.elderly else 1.25
        for key, value in sizes.items():
            setattr(self, key, sp(value) if key in SP_KEYS else dp(value))


def contrast_ratio(foreground, background) -> float:
    """WCAG contrast ratio of two RGB(A) colours in 0..1."""

    def luminance(colour) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in colour[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

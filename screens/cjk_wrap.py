"""Line breaking for Chinese text that follows the typesetting rules (禁则, GB/T 15834, CLREQ).

Kivy's `layout_text` (kivy/core/text/text_layout.pyx) breaks a line only at an ASCII
space; a run without spaces that is wider than the line, which is every Chinese
sentence, is cut after the last character that fits. So a line can start with 。 or ）,
end with （ or “, and an ID number or "2026-12-03" can be cut in two. Kivy does not
break at U+200B either, so break opportunities cannot simply be inserted.

What works is to break the text ourselves, with the label's own font measurement, and
hand Kivy the lines joined by "\\n": each line then fits, and Kivy lays it out unchanged.
`break_lines` is the plain-Python rule; `ChineseLineBreaking` is the mixin that applies
it to a Kivy Label every time its texture is re-made (text, width or font size changed).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# May not start a line: 点号 (、，。；：！？), closing quotes, brackets and book-title marks,
# connectors and separators (— ～ · /), the percent and degree signs, and ASCII closers.
# The ellipsis and the dash are here too, which also keeps …… and —— from being split.
LINE_START_FORBIDDEN = frozenset(
    "、，。．；：！？）］｝〕〗】〉》」』”’％‰℃°…‥—～·・／"
    ",.;:!?)]}%"
    "﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞"
)
# May not end a line: opening quotes, brackets and book-title marks, and currency signs
# that belong to the amount after them.
LINE_END_FORBIDDEN = frozenset("（［｛〔〖【〈《「『“‘([{￥＄$£€﹙﹛﹝")

Measure = Callable[[str], float]


def _is_word_character(char: str) -> bool:
    """Letters, digits and the ASCII signs inside IDs, phone numbers, dates and URLs:
    a run of them is kept whole when it fits on a line ("A012", "2026-12-03", "https://…")."""
    return "!" <= char <= "~" or "０" <= char <= "９" or "Ａ" <= char <= "Ｚ" or "ａ" <= char <= "ｚ"


def may_break_between(before: str, after: str) -> bool:
    """Whether a line may end after `before` when `after` follows it."""
    if not _punctuation_allows_break(before, after):
        return False
    if after == " ":
        return False  # spaces stay at the end of the line they follow
    if before == " ":
        return True
    return not (_is_word_character(before) and _is_word_character(after))


def _punctuation_allows_break(before: str, after: str) -> bool:
    return after not in LINE_START_FORBIDDEN and before not in LINE_END_FORBIDDEN


def unbreakable_pieces(paragraph: str) -> list[str]:
    """The paragraph cut at every place a line may end; a piece is never split unless it is
    wider than a whole line."""
    pieces: list[str] = []
    start = 0
    for index in range(1, len(paragraph)):
        if may_break_between(paragraph[index - 1], paragraph[index]):
            pieces.append(paragraph[start:index])
            start = index
    if paragraph:
        pieces.append(paragraph[start:])
    return pieces


class _Widths:
    """Text widths from the sum of cached character widths, checked with one real measure
    where the sum is not enough to decide (kerning makes the real width a few pixels less)."""

    def __init__(self, measure: Measure, char_widths: dict[str, float]) -> None:
        self.measure = measure
        self.char_widths = char_widths

    def of_characters(self, text: str) -> float:
        widths = self.char_widths
        total = 0.0
        for char in text:
            width = widths.get(char)
            if width is None:
                width = widths[char] = self.measure(char)
            total += width
        return total


def break_lines(text: str, max_width: float, measure: Measure,
                char_widths: dict[str, float] | None = None) -> list[str]:
    """`text` as the lines it should be shown in, each at most `max_width` wide by `measure`.

    Lines only end where the rules allow; a space where a line ends is dropped (as Kivy
    does). Existing "\\n" are kept as line ends. A piece that is wider than a whole line
    (a long URL) is cut by characters, still avoiding a forbidden character at a line start.
    `char_widths` caches the width of each character for this font and size; pass the
    same dict again to reuse it.
    """
    widths = _Widths(measure, {} if char_widths is None else char_widths)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if widths.of_characters(paragraph) <= max_width:
            lines.append(paragraph)
        else:
            lines.extend(_break_paragraph(paragraph, max_width, widths))
    return lines


def _fits(text: str, max_width: float, widths: _Widths) -> bool:
    return widths.of_characters(text) <= max_width or _measured_fits(text, max_width, widths)


def _measured_fits(text: str, max_width: float, widths: _Widths) -> bool:
    """Whether text the cached widths add up too wide for still fits by the real measure.

    The sum of the characters' widths is never less than the real width, and equal to it
    for Chinese; only kerning between Latin letters and digits makes the real width
    smaller (measured: 0 to 4 px over 2000 mixed strings). The real measure is asked only
    then: SDL_ttf measures a line of distinct Chinese characters at about 15 µs a
    character (its glyph cache is small), against a dictionary look-up for a cached width.
    """
    return _may_be_kerned(text) and widths.measure(text) <= max_width


# Two Latin letters, digits or ASCII signs side by side: the only pairs the kerning table
# of a font (all SDL_ttf reads) can move closer or further apart.
_LATIN_PAIR = re.compile("[!-~\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]{2}")


def _may_be_kerned(text: str) -> bool:
    return _LATIN_PAIR.search(text) is not None


def _break_paragraph(paragraph: str, max_width: float, widths: _Widths) -> list[str]:
    lines: list[str] = []
    line, line_width = "", 0.0  # line_width: the sum of its characters' widths, spaces included
    for piece in unbreakable_pieces(paragraph):
        visible = piece.rstrip(" ")
        visible_width = widths.of_characters(visible)
        piece_width = visible_width + widths.of_characters(piece[len(visible):])
        if line:
            if line_width + visible_width <= max_width or _measured_fits(line + visible, max_width, widths):
                line, line_width = line + piece, line_width + piece_width
                continue
            lines.append(line.rstrip(" "))
        if visible_width <= max_width or _measured_fits(visible, max_width, widths):
            line, line_width = piece, piece_width
        else:
            *full_lines, line = _cut_wide_piece(piece, max_width, widths)
            lines.extend(full_lines)
            line_width = widths.of_characters(line)
    if line.rstrip(" ") or not lines:
        lines.append(line.rstrip(" "))
    # Guarantee to the caller (and to Kivy, which would cut an over-wide line again):
    # every line fits by the real measure, not only by the sum of its characters.
    return [part for line in lines for part in _split_if_too_wide(line, max_width, widths)]


def _cut_wide_piece(piece: str, max_width: float, widths: _Widths) -> list[str]:
    """A piece wider than a line, cut by characters as far as each line holds; a cut is
    moved back when the next line would start with a forbidden character."""
    parts: list[str] = []
    rest = piece
    while len(rest) > 1 and not _fits(rest, max_width, widths):
        end = 1
        while end < len(rest) and _fits(rest[:end + 1], max_width, widths):
            end += 1
        # Inside a run that cannot fit anyway, the punctuation rule still holds: the cut
        # moves back over a closing mark at the next line's start or an opening one at
        # this line's end, even into a number or URL.
        cut = end
        while cut > 1 and not _punctuation_allows_break(rest[cut - 1], rest[cut]):
            cut -= 1
        if cut == 1 and not _punctuation_allows_break(rest[0], rest[1]):
            cut = end  # no allowed place on this line: cut where it is full
        parts.append(rest[:cut].rstrip(" "))
        rest = rest[cut:].lstrip(" ")
    parts.append(rest)
    return parts


def _split_if_too_wide(line: str, max_width: float, widths: _Widths) -> list[str]:
    # Kerning could also widen a pair of Latin characters: a line with one is measured for real.
    if len(line) <= 1 or not _may_be_kerned(line) or widths.measure(line) <= max_width:
        return [line]
    return _cut_wide_piece(line, max_width, widths)


# One cache of character widths per font, size and style, shared by every label.
_CHAR_WIDTHS: dict[tuple, dict[str, float]] = {}


def _font_key(options: dict) -> tuple:
    return tuple(options.get(name) for name in (
        "font_size", "font_name_r", "bold", "italic", "font_hinting", "font_kerning", "font_features"))


# A markup tag: [b], [/size], [color=#fff], [font=…]. Only [color] leaves widths alone.
_MARKUP_TAG = re.compile(r"\[(/?)([a-z_]+)(?:=[^\]]*)?\]")


def break_plain_markup_lines(markup: str, max_width: float, measure: Measure,
                             char_widths: dict[str, float] | None = None) -> str:
    """Kivy markup with its plain lines broken by `break_lines`: a line with no tag in it
    and inside no tag that changes widths ([b], [size], [font]…) is measured in the label's
    own font, so it can be broken like plain text; every other line is left to Kivy."""
    lines, open_tags = [], 0
    for line in markup.split("\n"):
        if "[" not in line and open_tags == 0:
            lines.append("\n".join(break_lines(line, max_width, measure, char_widths)))
            continue
        lines.append(line)
        for closing, name in _MARKUP_TAG.findall(line):
            if name != "color":
                open_tags = max(0, open_tags + (-1 if closing else 1))
    return "\n".join(lines)


class ChineseLineBreaking:
    """Mixin for a Kivy Label or Button (put it first in the bases): wraps its text by
    `break_lines` with the label's own font, every time the texture is re-made.

    The label's `text` stays the caller's text; only the core label that draws it gets the
    broken lines. With markup, the plain lines are broken (the hint under a big button's
    title); lines with tags are left to Kivy. Labels that do not wrap (no width in
    text_size), shorten or justify are left to Kivy.
    """

    def texture_update(self, *args) -> None:
        core = self._label
        width = _wrap_width(self)
        if self.markup:
            text = self.text
            if width is not None and text and not self.strip:
                core.resolve_font_name()
                broken = break_plain_markup_lines(text, width, _measure_width(core), _char_widths(core))
                if broken != text:
                    self._markup_texture_update(broken)
                    return
            super().texture_update(*args)
            return
        text = self.text
        if width is not None and text:
            core.resolve_font_name()
            text = "\n".join(break_lines(text, width, _measure_width(core), _char_widths(core)))
        # Always set: lines broken for an earlier width must not outlive it.
        core.text = text
        super().texture_update(*args)

    def _markup_texture_update(self, text: str) -> None:
        """What Label.texture_update does for markup, given the broken text instead of
        `self.text` (which it reads itself): the colour wrapped around it, the refs and
        anchors kept for taps on [ref] spans."""
        from kivy.utils import get_hex_from_color

        core = self._label
        self.texture = None
        colour = get_hex_from_color(self.disabled_color if self.disabled else self.color)
        core.text = f"[color={colour}]{text}[/color]"
        core.refresh()
        if core.texture:
            core.texture.bind()
        self.refs, self.anchors = core.refs, core.anchors
        self.texture = core.texture
        self.texture_size = list(core.texture.size) if core.texture else (0, 0)
        self.is_shortened = core.is_shortened


def _char_widths(core) -> dict[str, float]:
    return _CHAR_WIDTHS.setdefault(_font_key(core.options), {})


def _wrap_width(label) -> float | None:
    """The width Kivy lays lines out in (text_size[0] less the side padding), or None when
    the label does not wrap."""
    text_size = label._label.text_size
    if not text_size or text_size[0] is None or label.shorten or label.halign == "justify":
        return None
    padding = label._label.options["padding"]
    return max(0, math.floor(text_size[0] - padding[0] - padding[2]))


def _measure_width(core) -> Measure:
    extents = core.get_cached_extents()
    return lambda text: extents(text)[0]

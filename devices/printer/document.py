"""A printed job as plain blocks (lines, QR, rules, feeds), independent of the wire format.

Layouts build a `PrintDocument`; `escpos_writer` turns it into ESC/POS text-mode bytes
or a raster image. Line wrapping happens here, because a printer that wraps by itself
may break a line in the middle of a word or leave a lone character on the next line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal, Union

from devices.printer.messages_zh import NO_LINE_START

# Font A: ASCII cells are 12 dots wide, hanzi 24 dots (two cells).
CELL_DOTS = 12

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextLine:
    text: str
    # GS ! multiplier for width and height, 1..8.
    scale: int = 1
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class QrBlock:
    data: str
    module_size: int = 6


@dataclass(frozen=True)
class Rule:
    """A dashed separator across the paper."""


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Union[TextLine, QrBlock, Rule, Feed]


@dataclass(frozen=True)
class PrintDocument:
    kind: str
    blocks: tuple[Block, ...]
    # Printable width in dots (384 for 58 mm, 576 for 80 mm, 512 for TM-T88).
    width_dots: int
    # Ticket id (or pickup code) so the service never prints the same original twice.
    key: str = ""
    reprint: bool = False

    @property
    def columns(self) -> int:
        return self.width_dots // CELL_DOTS

    def text(self) -> str:
        """All printed text, one line per TextLine (for logs of non-personal jobs and tests)."""
        return "\n".join(b.text for b in self.blocks if isinstance(b, TextLine))


def cell_width(char: str) -> int:
    """Cells a character takes in Font A: ASCII one, everything else (hanzi, full-width) two."""
    if ord(char) < 0x80:
        return 1
    return 1 if unicodedata.east_asian_width(char) in ("Na", "H") else 2


def text_cells(text: str) -> int:
    return sum(cell_width(c) for c in text)


def wrap_cells(text: str, max_cells: int) -> list[str]:
    """Greedy wrap by cell width, keeping ASCII words (codes, numbers, URLs) whole when they fit."""
    if max_cells < 2:
        raise ValueError("line too narrow to print anything")
    tokens: list[str] = []
    for char in text:
        if tokens and char.isascii() and char != " " and tokens[-1].isascii() and not tokens[-1].endswith(" "):
            tokens[-1] += char
        else:
            tokens.append(char)
    lines: list[str] = []
    current = ""
    for token in tokens:
        if text_cells(current + token) <= max_cells:
            current += token
            continue
        if not token.strip():
            # A space that does not fit: the next token breaks the line, so closing
            # punctuation right after the space is still kept off the line start.
            continue
        carried = ""
        if token[0] in NO_LINE_START:
            # Closing punctuation may not start a line: take the characters before it
            # along, back to one that may (but never empty the line being closed).
            current = current.rstrip()
            while len(current) > 1 and (not carried or carried[0] in NO_LINE_START):
                carried, current = current[-1] + carried, current[:-1]
        if current.strip():
            lines.append(current.rstrip())
        current = carried + (token.lstrip() if token.strip() else "")
        while text_cells(current) > max_cells:  # a word longer than a line: cut it
            cut = 0
            while text_cells(current[: cut + 1]) <= max_cells:
                cut += 1
            lines.append(current[:cut])
            current = current[cut:]
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def balanced_wrap(text: str, max_cells: int) -> list[str]:
    """Wrap into as few lines as `wrap_cells`, but of even length (a centred heading
    of nine hanzi reads better as 5 + 4 than as 8 + 1)."""
    lines = wrap_cells(text, max_cells)
    if len(lines) < 2:
        return lines
    best = lines
    for narrower in range(max_cells - 1, 1, -1):
        attempt = wrap_cells(text, narrower)
        if len(attempt) > len(lines):
            break
        best = attempt
    return best


def wrapped(text: str, width_dots: int, scale: int = 1, bold: bool = False, align: Align = "left") -> list[TextLine]:
    max_cells = width_dots // (CELL_DOTS * scale)
    lines = balanced_wrap(text, max_cells) if align == "center" else wrap_cells(text, max_cells)
    return [TextLine(line, scale, bold, align) for line in lines]

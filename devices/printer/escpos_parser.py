"""The ESC/POS byte stream cut into commands, as a printer's firmware reads it.

Shared by the simulated printer (which answers and stores what it parses) and the
renderer that draws a job's bytes as paper (`sim_render`); it depends on neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10


# -- stream parsing -------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    """One parsed unit of the stream: a command (name + its bytes) or a run of text bytes."""

    name: str
    raw: bytes


def _u16(low: int, high: int) -> int:
    return low + 256 * high


def _command_length(buf: bytes, i: int, chinese: bool) -> tuple[str, int] | None:
    """(name, length) of the unit starting at buf[i], or None if more bytes are needed."""
    n = len(buf) - i
    first = buf[i]

    def need(k: int) -> bool:
        return n >= k

    if first == DLE:
        if not need(2):
            return None
        if buf[i + 1] == 0x04:
            return ("DLE EOT", 3) if need(3) else None
        if buf[i + 1] == 0x14:
            return ("DLE DC4", 5) if need(5) else None
        return ("DLE", 1)
    if first == ESC:
        if not need(2):
            return None
        c = chr(buf[i + 1])
        if c in "@2<":
            return (f"ESC {c}", 2)
        if c in "aEd!t-MJ3G{VUeRr":
            return (f"ESC {c}", 3) if need(3) else None
        if c == "p":
            return ("ESC p", 5) if need(5) else None
        if c == "*":
            if not need(5):
                return None
            per_column = 3 if buf[i + 2] in (32, 33) else 1
            total = 5 + _u16(buf[i + 3], buf[i + 4]) * per_column
            return ("ESC *", total) if need(total) else None
        if c == "$":
            return ("ESC $", 4) if need(4) else None
        return (f"ESC {c}", 2)
    if first == FS:
        if not need(2):
            return None
        c = chr(buf[i + 1])
        if c in "&.":
            return (f"FS {c}", 2)
        if c in "!WC-":
            return (f"FS {c}", 3) if need(3) else None
        return (f"FS {c}", 2)
    if first == GS:
        if not need(2):
            return None
        c = chr(buf[i + 1])
        if c == "V":
            if not need(3):
                return None
            size = 4 if buf[i + 2] in (65, 66) else 3
            return ("GS V", size) if need(size) else None
        if c == "(":
            if not need(5):
                return None
            total = 5 + _u16(buf[i + 3], buf[i + 4])
            return (f"GS ( {chr(buf[i + 2])}", total) if need(total) else None
        if c == "v":
            if not need(8):
                return None
            total = 8 + _u16(buf[i + 4], buf[i + 5]) * _u16(buf[i + 6], buf[i + 7])
            return ("GS v 0", total) if need(total) else None
        if c in "LWP$":
            return (f"GS {c}", 4) if need(4) else None
        if c == "k":
            if not need(3):
                return None
            if buf[i + 2] >= 65:
                total = 4 + (buf[i + 3] if need(4) else 0)
                return ("GS k", total) if need(4) and need(total) else None
            end = buf.find(b"\x00", i + 3)
            return ("GS k", end - i + 1) if end >= 0 else None
        return (f"GS {c}", 3) if need(3) else None
    if first in (0x0A, 0x0D, 0x09, 0x0C):
        return ({0x0A: "LF", 0x0D: "CR", 0x09: "HT", 0x0C: "FF"}[first], 1)
    if first < 0x20 or first == 0x7F:
        return ("CTRL", 1)
    # Text: in Chinese mode a byte >= 0x81 leads a 2- or 4-byte GB18030 character.
    j = i
    while j < len(buf):
        b = buf[j]
        if b < 0x20 or b == 0x7F:
            break
        if chinese and 0x81 <= b <= 0xFE:
            if len(buf) - j < 2:
                break
            width = 4 if 0x30 <= buf[j + 1] <= 0x39 else 2
            if len(buf) - j < width:
                break
            j += width
        else:
            j += 1
    if j == i:
        return None
    return ("TEXT", j - i)


def parse_stream(buf: bytes, chinese: bool = False) -> tuple[list[Command], int, bool]:
    """Parse complete units; returns (commands, bytes consumed, Chinese mode after)."""
    commands: list[Command] = []
    i = 0
    while i < len(buf):
        found = _command_length(buf, i, chinese)
        if found is None:
            break
        name, length = found
        commands.append(Command(name, bytes(buf[i:i + length])))
        if name == "FS &":
            chinese = True
        elif name in ("FS .", "ESC @"):
            # Strict: after ESC @ this printer is in ANK mode until FS & (some memory
            # switch settings do that), so a job that forgets FS & shows up as garbage.
            chinese = False
        i += length
    return commands, i, chinese


def iter_commands(data: bytes) -> Iterator[Command]:
    commands, used, _ = parse_stream(data)
    yield from commands
    if used < len(data):
        yield Command("TRUNCATED", data[used:])

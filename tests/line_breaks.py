"""Reading back the lines Kivy laid out for a label, and checking them against the
Chinese line-breaking rules (tests/app/test_line_breaks.py, test_screenshots.py)."""

from __future__ import annotations

from screens.cjk_wrap import LINE_END_FORBIDDEN, LINE_START_FORBIDDEN


def laid_out_lines(label) -> list[str]:
    """The lines of `label` as Kivy's layout_text cut them (what is drawn)."""
    label.texture_update()
    return ["".join(word.text for word in line.words) for line in label._label._cached_lines]


def wrap_points(text: str, lines: list[str]) -> list[tuple[str, str]]:
    """(line, next line) for every place a line of `text` was wrapped, not where the text
    itself has a "\\n" (a line the author starts with "·" is a list, not a fault)."""
    points, position = [], 0
    for line, next_line in zip(lines, lines[1:]):
        for char in line:
            found = text.find(char, position)  # skips a space dropped at a wrap
            if found < 0:
                return points  # text lost: line_break_faults says so
            position = found + 1
        if not text[position:].lstrip(" ").startswith("\n"):
            points.append((line, next_line))
    return points


def rule_faults(label) -> list[str]:
    """Wraps that put a closing mark at a line start or an opening one at a line end."""
    return [f"wrapped before {line[:1]!r}: …{previous[-6:]!r} | {line[:6]!r}…"
            if line[:1] in LINE_START_FORBIDDEN else
            f"wrapped after {previous[-1]!r}: …{previous[-6:]!r} | {line[:6]!r}…"
            for previous, line in wrap_points(label.text, laid_out_lines(label))
            if line[:1] in LINE_START_FORBIDDEN or previous[-1:] in LINE_END_FORBIDDEN]


def line_break_faults(label) -> list[str]:
    """rule_faults, and text lost or lines wider than the label."""
    faults = rule_faults(label)
    lines = laid_out_lines(label)
    # Only a space where a line was wrapped may go (Kivy drops those too).
    if "".join(lines).replace(" ", "") != label.text.replace("\n", "").replace(" ", ""):
        faults.append(f"text lost: {lines!r}")
    if len(lines) > 1 and any(label._label.get_extents(line)[0] > label.text_size[0] for line in lines):
        faults.append("a line is wider than the label")
    return faults

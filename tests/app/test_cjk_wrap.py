"""screens/cjk_wrap.break_lines on its own: the Chinese line-breaking rules on tricky strings,
with a fake font (Chinese characters and full-width marks 10 px, ASCII 5 px)."""

from __future__ import annotations

import pytest

from screens.cjk_wrap import LINE_END_FORBIDDEN, LINE_START_FORBIDDEN, break_lines, break_plain_markup_lines


def fake_width(text: str) -> int:
    return sum(5 if ch.isascii() else 10 for ch in text)


def lines_of(text: str, characters_per_line: int) -> list[str]:
    return break_lines(text, characters_per_line * 10, fake_width)


def assert_follows_the_rules(text: str, lines: list[str], max_width: int) -> None:
    for line in lines:
        assert fake_width(line) <= max_width, f"{line!r} is wider than {max_width}"
    for line in lines[1:]:
        assert line[:1] not in LINE_START_FORBIDDEN, f"a line starts with {line[0]!r}: {lines}"
    for line in lines[:-1]:
        assert line[-1:] not in LINE_END_FORBIDDEN, f"a line ends with {line[-1]!r}: {lines}"
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_a_line_exactly_full_before_a_full_stop_takes_its_last_character_down():
    # GIVEN ten characters on a ten-character line, then 。
    text = "一二三四五六七八九十。十一二"
    # WHEN broken, 。 may not start the second line: 十 goes down with it
    lines = lines_of(text, 10)
    assert lines == ["一二三四五六七八九", "十。十一二"]


def test_several_closing_marks_in_a_row_stay_with_the_character_before_them():
    text = "他说：“请带上户口簿。”」）然后去窗口办理"
    lines = lines_of(text, 9)
    assert lines[0] == "他说：“请带上户口"
    assert lines[1].startswith("簿。”」）")
    assert_follows_the_rules(text, lines, 90)


def test_an_opening_bracket_never_ends_a_line():
    text = "一二三四五六七八九（十）"
    lines = lines_of(text, 10)
    assert lines == ["一二三四五六七八九", "（十）"]


def test_an_id_number_near_the_line_end_moves_down_whole():
    text = "身份证号110101199003071234，请核对"
    lines = lines_of(text, 10)
    assert lines[0] == "身份证号"
    assert lines[1] == "110101199003071234，"  # 18 digits: 90 px, and the comma goes with them
    assert_follows_the_rules(text, lines, 100)


@pytest.mark.parametrize("run", ["A012", "2026-12-03", "13800000000", "https://x.gov.cn/g"])
def test_latin_and_digit_runs_are_not_cut_when_they_fit(run):
    text = f"请记住号码{run}，谢谢"
    for width in range(6, 25):
        lines = lines_of(text, width)
        assert_follows_the_rules(text, lines, width * 10)
        if fake_width(run + "，") <= width * 10:  # the comma may not start a line: it goes with the run
            assert any(run in line for line in lines), (width, lines)


def test_a_run_wider_than_the_line_is_cut_where_it_is_full():
    text = "网址https://www.example.gov.cn/banshi/zhinan/dibao"
    lines = lines_of(text, 8)
    assert all(fake_width(line) <= 80 for line in lines)
    assert "".join(lines) == text


def test_a_number_that_fits_only_without_its_comma_gives_up_a_digit_not_the_rule():
    # 11 digits (55 px) fit a 60 px line, the comma after them does not: the comma may
    # not start the next line, so the last digit goes down with it.
    assert lines_of("号码13800000000，谢谢", 6) == ["号码", "1380000000", "0，谢谢"]


def test_a_space_where_a_line_ends_is_dropped_and_newlines_are_kept():
    text = "请到 Window 3 号窗口\n谢谢"
    assert lines_of(text, 6) == ["请到 Window", "3 号窗口", "谢谢"]


def test_text_that_fits_is_returned_unchanged():
    assert lines_of("请刷身份证。", 10) == ["请刷身份证。"]
    assert lines_of("", 10) == [""]


def test_a_line_of_only_forbidden_starts_still_ends_somewhere():
    # Nothing allows a break: the text is still cut, never lost or overflowing.
    text = "，" * 25
    lines = lines_of(text, 10)
    assert "".join(lines) == text and all(fake_width(line) <= 100 for line in lines)


def test_book_titles_dashes_and_ellipses_are_not_split():
    text = "依据《中华人民共和国社会救助暂行办法》——第十条……等"
    for width in range(8, 20):
        lines = lines_of(text, width)
        assert_follows_the_rules(text, lines, width * 10)
        assert not any(line.startswith(("—", "…")) for line in lines[1:])


def test_the_character_width_cache_is_filled_and_reused():
    widths: dict[str, float] = {}
    calls: list[str] = []

    def counting_width(text: str) -> int:
        calls.append(text)
        return fake_width(text)

    text = "一二三四五六七八九十。" * 5
    first = break_lines(text, 100, counting_width, widths)
    calls_first = len(calls)
    assert set(widths) == set(text)
    second = break_lines(text, 100, counting_width, widths)
    assert first == second
    assert len(calls) - calls_first < calls_first  # no character measured again


def test_a_line_narrower_than_one_character_gets_one_character_a_line():
    # A label not laid out yet can be 0 px wide: nothing is lost, nothing fails.
    assert break_lines("请刷证。", 0, fake_width) == ["请", "刷", "证", "。"]
    assert break_lines("请刷证。", 5, fake_width) == ["请", "刷", "证", "。"]


def test_markup_breaks_only_the_plain_lines_outside_tags_that_change_widths():
    # The big button: an icon line, a title in [size], then a plain hint that wraps.
    markup = "[font=icons]X[/font]\n[size=60]取号[/size]\n刷身份证或直接取号，排队办事"
    broken = break_plain_markup_lines(markup, 90, fake_width).split("\n")
    assert broken[:2] == ["[font=icons]X[/font]", "[size=60]取号[/size]"]
    assert broken[2:] == ["刷身份证或直接取", "号，排队办事"]  # the ， does not start a line
    # Inside a [size] or [b] span that crosses lines, the widths are not the label's: left alone.
    spanning = "[b]刷身份证或直接取号\n，排队办事[/b]"
    assert break_plain_markup_lines(spanning, 90, fake_width) == spanning
    # [color] leaves widths alone: the line after a closed colour span is plain again.
    coloured = "[color=#ff0000]注意[/color]\n刷身份证或直接取号，排队办事"
    assert break_plain_markup_lines(coloured, 90, fake_width).split("\n")[1:] == ["刷身份证或直接取", "号，排队办事"]

"""Frame codec against the byte strings in the protocol notes (§1)."""

from __future__ import annotations

import pytest

from devices.idcard import codec
from devices.idcard.codec import Frame, StreamParser, StreamProblem, parse_all

# Full command frames exactly as listed in the notes' command table.
COMMAND_FRAMES = {
    codec.RESET_SAM: "AA AA AA 96 69 00 03 10 FF EC",
    codec.SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    codec.SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    codec.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    codec.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    codec.READ_TEXT_PHOTO: "AA AA AA 96 69 00 03 30 01 32",
    codec.READ_LATEST_ADDRESS: "AA AA AA 96 69 00 03 30 03 30",
    codec.READ_CHIP_ID: "AA AA AA 96 69 00 03 30 05 36",
    codec.READ_WITH_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
}

# Every SW3 in the status table as a data-less answer: LEN 00 04, SW1 SW2 00 00, CHK = 04 ^ SW3.
STATUS_ANSWERS = {
    0x90: "AA AA AA 96 69 00 04 00 00 90 94",
    0x91: "AA AA AA 96 69 00 04 00 00 91 95",
    0x9F: "AA AA AA 96 69 00 04 00 00 9F 9B",
    0x10: "AA AA AA 96 69 00 04 00 00 10 14",
    0x11: "AA AA AA 96 69 00 04 00 00 11 15",
    0x21: "AA AA AA 96 69 00 04 00 00 21 25",
    0x23: "AA AA AA 96 69 00 04 00 00 23 27",
    0x24: "AA AA AA 96 69 00 04 00 00 24 20",
    0x31: "AA AA AA 96 69 00 04 00 00 31 35",
    0x32: "AA AA AA 96 69 00 04 00 00 32 36",
    0x33: "AA AA AA 96 69 00 04 00 00 33 37",
    0x40: "AA AA AA 96 69 00 04 00 00 40 44",
    0x41: "AA AA AA 96 69 00 04 00 00 41 45",
    0x47: "AA AA AA 96 69 00 04 00 00 47 43",
    0x60: "AA AA AA 96 69 00 04 00 00 60 64",
    0x66: "AA AA AA 96 69 00 04 00 00 66 62",
    0x80: "AA AA AA 96 69 00 04 00 00 80 84",
    0x81: "AA AA AA 96 69 00 04 00 00 81 85",
}

FIND_OK = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
SELECT_OK = bytes.fromhex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")
NO_CARD = bytes.fromhex(STATUS_ANSWERS[0x80])


@pytest.mark.parametrize("command, expected", COMMAND_FRAMES.items(), ids=lambda v: str(v))
def test_commands_encode_to_the_frames_in_the_notes(command, expected):
    assert codec.encode_command(command) == bytes.fromhex(expected)


@pytest.mark.parametrize("sw3, frame_hex", STATUS_ANSWERS.items(), ids=lambda v: f"{v:02X}" if isinstance(v, int) else "")
def test_every_status_answer_parses_to_its_sw3(sw3, frame_hex):
    [frame] = parse_all(bytes.fromhex(frame_hex))
    assert isinstance(frame, Frame)
    assert frame.is_answer and frame.sw1_sw2_ok
    assert frame.sw3 == sw3
    assert frame.data == b""
    assert sw3 in codec.STATUS_NAMES


# Whole frames with a correct checksum whose SW1 SW2 are not 00 00 (notes §1: only SW3
# carries the status, SW1 = SW2 = 00 in every published answer).
BAD_STATUS_WORD_ANSWERS = {
    "SW2 01": "AA AA AA 96 69 00 04 00 01 90 95",
    "SW1 SW2 6A 82": "AA AA AA 96 69 00 04 6A 82 90 7C",
    "SW1 SW2 90 00": "AA AA AA 96 69 00 04 90 00 9F 0B",
}


@pytest.mark.parametrize("frame_hex", BAD_STATUS_WORD_ANSWERS.values(), ids=BAD_STATUS_WORD_ANSWERS.keys())
def test_answers_with_sw1_sw2_other_than_00_00_are_flagged(frame_hex):
    [frame] = parse_all(bytes.fromhex(frame_hex))
    assert isinstance(frame, Frame)  # well formed: the checksum is right
    assert not frame.sw1_sw2_ok
    assert frame.status_words == bytes.fromhex(frame_hex)[7:9]


def test_an_answer_with_only_sw1_sw2_has_good_status_words_and_no_sw3():
    [frame] = parse_all(bytes.fromhex("AA AA AA 96 69 00 03 00 00 03"))
    assert frame.sw1_sw2_ok and frame.sw3 is None


def test_find_and_select_answers_carry_their_data():
    find, select = parse_all(FIND_OK + SELECT_OK)
    assert (find.sw3, find.data) == (0x9F, bytes(4))
    assert (select.sw3, select.data) == (0x90, bytes(8))
    assert select.offset == len(FIND_OK)


def test_read_answer_is_one_1295_byte_frame(read_answer):
    raw = read_answer("resident")
    assert len(raw) == 1295
    [frame] = parse_all(raw)
    assert frame.sw3 == 0x90
    assert frame.size == 1295
    assert frame.data[:4] == bytes.fromhex("01 00 04 00")


def test_command_frames_are_recognised_as_commands():
    [frame] = parse_all(bytes.fromhex(COMMAND_FRAMES[codec.FIND_CARD]))
    assert not frame.is_answer
    assert frame.command == (0x20, 0x01)
    assert "find card" in frame.describe()


def test_a_frame_fed_one_byte_at_a_time_is_recovered(read_answer):
    raw = read_answer("hmt")
    parser = StreamParser()
    found = []
    for index in range(len(raw)):
        found += parser.feed(raw[index:index + 1])
        if index < len(raw) - 1:
            assert found == [], "no frame may be reported before its last byte"
    assert [type(item) for item in found] == [Frame]
    assert found[0].data[4:260] == raw[14:270]
    assert parser.pending == 0


def test_junk_before_and_after_frames_is_reported_and_skipped():
    junk_before = bytes.fromhex("00 13 AA 96 55")
    junk_after = bytes.fromhex("FF FE")
    items = parse_all(junk_before + FIND_OK + bytes.fromhex("AA AA") + NO_CARD + junk_after)
    kinds = [(type(i).__name__, getattr(i, "kind", None)) for i in items]
    assert kinds == [("StreamProblem", "junk"), ("Frame", None), ("StreamProblem", "junk"),
                     ("Frame", None), ("StreamProblem", "junk")]
    assert items[0].size == 5 and items[2].size == 2 and items[4].size == 2
    assert [items[1].sw3, items[3].sw3] == [0x9F, 0x80]


def test_the_corrupted_capture_from_the_notes_resyncs():
    # [S8] quotes a real dirty capture starting AA 00 AA AA 96 69: the next whole frame is still found.
    items = parse_all(bytes.fromhex("AA 00 AA AA 96 69") + NO_CARD)
    frames = [i for i in items if isinstance(i, Frame)]
    assert [f.sw3 for f in frames] == [0x80]


def test_bad_checksum_is_reported_and_the_next_frame_still_found():
    bad = bytes.fromhex("AA AA AA 96 69 00 04 00 00 90 95")  # CHK should be 94
    items = parse_all(bad + NO_CARD)
    assert isinstance(items[0], StreamProblem) and items[0].kind == "bad_checksum"
    assert [i.sw3 for i in items if isinstance(i, Frame)] == [0x80]


def test_truncated_frame_followed_by_a_whole_one(read_answer):
    cut = read_answer("resident")[:600]
    items = parse_all(cut + FIND_OK)
    assert items[0].kind == "truncated" and items[0].offset == 0 and items[0].size == 600
    assert [i.sw3 for i in items if isinstance(i, Frame)] == [0x9F]


def test_truncated_frame_at_end_of_input_is_reported_not_dropped():
    parser = StreamParser()
    assert parser.feed(FIND_OK[:9]) == []
    [problem] = parser.finish()
    assert problem.kind == "truncated"
    assert "have 9 of 15 bytes" in problem.detail


@pytest.mark.parametrize("length_hex", ["00 00", "00 02", "FF FF", "0A 00"])
def test_impossible_lengths_are_rejected_and_scanning_resumes(length_hex):
    items = parse_all(bytes.fromhex(f"AA AA AA 96 69 {length_hex}") + NO_CARD)
    assert items[0].kind == "bad_length"
    assert [i.sw3 for i in items if isinstance(i, Frame)] == [0x80]


def test_leftover_bytes_are_kept_between_feeds():
    parser = StreamParser()
    first = parser.feed(NO_CARD + FIND_OK[:4])
    assert [f.sw3 for f in first] == [0x80]
    assert parser.pending == 4
    second = parser.feed(FIND_OK[4:])
    assert [f.sw3 for f in second] == [0x9F]


def test_frame_repr_never_shows_card_text(read_answer):
    [frame] = parse_all(read_answer("resident"))
    text = repr(frame) + frame.describe()
    assert "9905" not in text and "刘" not in text
    assert "1284 data bytes" in text

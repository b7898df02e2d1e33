"""Decoding the 256-byte text block of every card type, ID-number rules, age and expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.idcard.errors import CardDataError
from devices.idcard.holder import decode_text_block
from devices.idcard.idnumber import check_character, resident_number_problem
from devices.idcard.nations import GB3304_NATIONS, nation_name

TODAY = dt.date(2026, 11, 27)


def _patched(block: bytes, offset: int, size: int, text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    field = encoded + b"\x20\x00" * ((size - len(encoded)) // 2)
    return block[:offset] + field + block[offset + size:]


def test_resident_card_fields(text_blocks):
    holder = decode_text_block(text_blocks["resident"])
    assert holder.card_type == "resident"
    assert holder.card_type_zh == "居民身份证"
    assert holder.name == "刘玉梅"
    assert (holder.sex, holder.sex_code) == ("女", "2")
    assert (holder.nation, holder.nation_code) == ("回", "03")
    assert holder.birth_date == dt.date(1951, 6, 5)
    assert holder.address == "山西省沁水县土沃乡土沃村14号"
    assert holder.id_number == "990521195106050024"
    assert holder.issuer == "沁水县公安局"
    assert holder.valid_from == dt.date(2011, 3, 1)


def test_long_term_card_never_expires(text_blocks):
    holder = decode_text_block(text_blocks["resident"])
    assert holder.valid_until is None
    assert not holder.is_expired(dt.date(2099, 1, 1))
    assert holder.to_dict()["valid_until"] == "长期"


def test_elderly_age_for_priority(text_blocks):
    holder = decode_text_block(text_blocks["resident"])
    assert holder.age(TODAY) == 75
    assert holder.age(dt.date(2026, 6, 4)) == 74  # the day before the birthday
    assert holder.age(dt.date(2026, 6, 5)) == 75


def test_hmt_residence_permit(text_blocks):
    holder = decode_text_block(text_blocks["hmt"])
    assert holder.card_type == "hmt_residence"
    assert holder.card_type_zh == "港澳台居民居住证"
    assert holder.name == "黄志伟" and holder.sex == "男"
    assert holder.id_number == "830000198312010015"
    assert holder.pass_number == "00123456"
    assert holder.issue_count == "02"
    assert holder.nation == ""
    assert holder.valid_until == dt.date(2028, 5, 1)


def test_old_foreign_permanent_residence_card(text_blocks):
    holder = decode_text_block(text_blocks["foreign_old"])
    assert holder.card_type == "foreign_permanent_old"
    assert holder.english_name == "MUELLER, ANNA"
    assert holder.name == "安娜"
    assert holder.sex == "女"
    assert holder.id_number == "DEU420068091202"
    assert holder.nationality == "DEU"
    assert holder.birth_date == dt.date(1968, 9, 12)
    assert holder.card_version == "02" and holder.issuer == "1400"
    # Valid to 2026-09-01: the kiosk sees it as expired.
    assert holder.is_expired(TODAY)
    assert not holder.is_expired(dt.date(2026, 9, 1))


def test_2023_foreign_permanent_residence_id_card(text_blocks):
    holder = decode_text_block(text_blocks["foreign_2023"])
    assert holder.card_type == "foreign_permanent_2023"
    assert holder.card_type_zh == "外国人永久居留身份证"
    assert holder.name == "伊万" and holder.english_name == "IVANOV, SERGEI"
    assert holder.id_number == "914643197901230018"
    assert holder.nationality == "RUS" and holder.renewal_count == "01"
    assert holder.valid_until == dt.date(2033, 12, 1)


def test_2023_card_english_name_continues_into_second_field(text_blocks):
    long_name = "GARCIA LOPEZ, MARIA FERNANDA ISABELLA"  # 37 characters: 35 + 2
    block = _patched(text_blocks["foreign_2023"], 52, 70, long_name[:35])
    block = _patched(block, 220, 22, long_name[35:])
    assert decode_text_block(block).english_name == long_name


def test_unknown_nation_code_is_shown_not_refused(text_blocks):
    block = _patched(text_blocks["resident"], 32, 4, "99")
    holder = decode_text_block(block)
    assert holder.nation == "其他(代码99)"
    assert holder.nation_code == "99"


def test_full_gb3304_table():
    assert len(GB3304_NATIONS) == 58
    assert [nation_name(c) for c in ("01", "02", "05", "10", "29", "43", "53", "56", "97", "98")] == [
        "汉", "蒙古", "维吾尔", "朝鲜", "柯尔克孜", "乌孜别克", "赫哲", "基诺", "其他", "外国血统中国籍人士"]
    assert all(f"{n:02}" in GB3304_NATIONS for n in range(1, 57))


def test_expired_resident_card(text_blocks):
    block = _patched(text_blocks["resident"], 204, 16, "20210301")
    holder = decode_text_block(block)
    assert holder.valid_until == dt.date(2021, 3, 1)
    assert holder.is_expired(TODAY)


def test_gb_example_number_check_character():
    assert check_character("11010519491231002") == "X"
    assert resident_number_problem("11010519491231002X", dt.date(1949, 12, 31), "2") is None


@pytest.mark.parametrize("offset, size, text, problem", [
    (122, 36, "990521195106050025", "check character"),  # last digit changed
    (36, 16, "19510606", "birth date field disagrees"),
    (30, 2, "1", "sex field disagrees"),
    (30, 2, "5", "sex code"),
    (36, 16, "1951-6-5", "birth date is not a YYYYMMDD date"),
    (188, 16, "20110230", "valid-from date is not a calendar date"),
    (204, 16, "20100101", "before valid-from"),
])
def test_inconsistent_cards_are_refused_without_leaking_data(text_blocks, offset, size, text, problem):
    block = _patched(text_blocks["resident"], offset, size, text)
    with pytest.raises(CardDataError) as caught:
        decode_text_block(block)
    assert problem in caught.value.message_en
    assert "9905211951" not in caught.value.message_en
    assert caught.value.message_zh  # something to show the citizen


def test_hmt_permit_must_use_81_82_83_prefix(text_blocks):
    block = _patched(text_blocks["hmt"], 122, 36, "110105198312010013")  # valid check, wrong prefix
    with pytest.raises(CardDataError, match="81, 82 or 83"):
        decode_text_block(block)


def test_foreign_number_formats_are_checked(text_blocks):
    with pytest.raises(CardDataError, match="3 letters"):
        decode_text_block(_patched(text_blocks["foreign_old"], 122, 30, "DE4200680912021"))
    with pytest.raises(CardDataError, match="MOD 11-2"):
        decode_text_block(_patched(text_blocks["foreign_2023"], 122, 36, "914643197901230019"))


def test_wrong_block_size_is_refused(text_blocks):
    with pytest.raises(CardDataError):
        decode_text_block(text_blocks["resident"][:200])


def test_repr_and_str_are_masked(text_blocks):
    holder = decode_text_block(text_blocks["resident"])
    for text in (repr(holder), str(holder), f"{holder}", repr([holder])):
        assert "990521195106050024" not in text
        assert "刘玉梅" not in text
        assert "土沃村" not in text
        assert "9905**********0024" in text and "刘**" in text
    assert holder.masked_id == "9905**********0024"
    assert holder.masked_name == "刘**"


def test_to_dict_masks_unless_revealed(text_blocks):
    holder = decode_text_block(text_blocks["hmt"])
    masked = holder.to_dict()
    assert masked["id_number"] == "8300**********0015"
    assert masked["name"] == "黄**"
    assert masked["address"] == "***"
    assert "00123456" not in str(masked)
    assert masked["pass_number"] == "***"


def test_a_nine_character_permit_number_is_not_shown_in_the_masked_form(text_blocks):
    # GIVEN a 港澳台 residence permit whose pass number has the usual 9 characters (H + 8 digits)
    holder = decode_text_block(_patched(text_blocks["hmt"], 220, 18, "H90000017"))
    assert holder.pass_number == "H90000017"
    # THEN the masked form shows none of it (4+4 masking would leave "H900*0017")
    masked = str(holder.to_dict())
    for start in range(len("H90000017") - 3):
        assert "H90000017"[start:start + 4] not in masked
    revealed = holder.to_dict(reveal=True)
    assert revealed["id_number"] == "830000198312010015"
    assert revealed["address"] == "山西省沁水县中村镇中村街3号"


def test_nul_padding_is_stripped_like_spaces(text_blocks):
    block = text_blocks["resident"]
    nul_padded = block[:6] + bytes(24) + block[30:]  # name field padded with 00 00
    assert decode_text_block(nul_padded).name == "刘玉梅"


def test_2023_card_name_split_at_a_word_gets_a_space(text_blocks):
    block = _patched(text_blocks["foreign_2023"], 52, 70, "IVANOV,")
    block = _patched(block, 220, 22, "SERGEI")
    assert decode_text_block(block).english_name == "IVANOV, SERGEI"


def test_blank_nation_is_shown_as_not_filled(text_blocks):
    holder = decode_text_block(_patched(text_blocks["resident"], 32, 4, ""))
    assert holder.nation == "未填写"


def test_2023_card_name_whose_space_falls_on_the_split(text_blocks):
    name = "ABCDEFGHIJ ABCDEFGHIJ ABCDEFGHIJ AB CDEFGH"  # the 36th character is a space
    assert name[35] == " "
    block = _patched(text_blocks["foreign_2023"], 52, 70, name[:35])
    block = _patched(block, 220, 22, name[35:])
    assert decode_text_block(block).english_name == name

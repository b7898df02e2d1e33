"""Masking, holder hashes and ticket links: what leaves the process about a person."""

from __future__ import annotations

import pytest

from kiosk.privacy import HolderKey, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(("given", "shown"), [
    ("140521198001011234", "1405**********1234"),
    ("14052119800101123X", "1405**********123X"),
    ("140521800101123", "1405*******1123"),
    ("H01234567", "H0*****67"),
    ("1234567", "1*****7"),
    ("123", "***"),
    ("", ""),
])
def test_id_numbers_are_shown_with_the_middle_hidden(given, shown):
    assert mask_id_number(given) == shown


def test_names_and_phones_are_masked():
    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_phone("13812345678")) == ("张*", "欧***", "138****5678")


def test_holder_hash_is_keyed_per_hall(tmp_path):
    hall_a, hall_b = HolderKey(tmp_path / "a"), HolderKey(tmp_path / "b")
    assert hall_a.holder_hash("140521198001011234") == HolderKey(tmp_path / "a").holder_hash("140521198001011234")
    assert hall_a.holder_hash("140521198001011234") != hall_b.holder_hash("140521198001011234")


def test_ticket_link_opens_only_the_ticket_it_was_printed_for(tmp_path):
    key = HolderKey(tmp_path)
    link = key.ticket_link_token(41)
    assert key.ticket_id_from_link(link) == 41
    assert key.ticket_id_from_link(link.upper()) == 41  # a phone's QR reader may upper-case it
    neighbour = key.ticket_link_token(42)
    assert neighbour.split("-")[1] != link.split("-")[1]
    # Walking ids with a known MAC, tampering or another hall's key opens nothing.
    assert key.ticket_id_from_link("42-" + link.split("-")[1]) is None
    assert key.ticket_id_from_link(link[:-1] + ("a" if link[-1] != "a" else "b")) is None
    assert HolderKey(tmp_path / "other").ticket_id_from_link(link) is None
    for junk in ("", "41", "41-", "-abc", "x-abc", "41-" + "a" * 200, "9" * 40 + "-abc"):
        assert key.ticket_id_from_link(junk) is None

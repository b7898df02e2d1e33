"""Masking, holder hashes and ticket links: what leaves the process about a person."""

from __future__ import annotations

import pytest

from devices.base.masking import mask_id_number, mask_name, mask_phone
from kiosk.privacy import HolderKey


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


def test_hostile_or_non_canonical_links_open_nothing_and_never_crash(tmp_path):
    key = HolderKey(tmp_path)
    mac = key.ticket_link_token(42).split("-")[1]
    for token in ("²-abc", "42-é", f"٤٢-{mac}", f"４２-{mac}", f"0042-{mac}", f"42-{mac}x", f" 42 -{mac}",
                  f"42-{mac.upper()}\u0130"):
        assert key.ticket_id_from_link(token) is None, token
    assert key.ticket_id_from_link(f"42-{mac}") == 42


def test_a_damaged_key_file_is_refused_not_used(tmp_path):
    from kiosk.errors import StoreError

    (tmp_path / "holder.key").write_bytes(b"")  # a power cut in the middle of an old-style write
    with pytest.raises(StoreError) as refused:
        HolderKey(tmp_path).ticket_link_token(7)
    assert "数据文件损坏" in refused.value.message_zh


def test_kiosks_starting_together_agree_on_one_hall_key(tmp_path):
    import subprocess
    import sys

    script = ("import sys, time; from pathlib import Path; from kiosk.privacy import HolderKey\n"
              "go = Path(sys.argv[2])\n"
              "while not go.exists(): time.sleep(0.001)\n"
              "print(HolderKey(Path(sys.argv[1])).key().hex())")
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "data"), str(go)],
                                stdout=subprocess.PIPE, text=True) for _ in range(6)]
    go.touch()
    keys = {w.communicate(timeout=60)[0].strip() for w in workers}
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["holder.key"]  # no scratch files left

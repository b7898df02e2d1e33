"""The packaged invented holders cover what the demo and the other areas' tests need."""

from __future__ import annotations

import datetime as dt

from devices.idcard.holder import CARD_TYPES, decode_text_block, encode_text_block
from devices.idcard.simulator import load_holders

TODAY = dt.date(2026, 11, 27)


def test_every_card_type_and_the_special_cases_are_there():
    holders = load_holders()
    assert {h.card_type for h in holders.values()} == set(CARD_TYPES)
    assert any(h.age(TODAY) >= 70 for h in holders.values())
    assert any(h.is_expired(TODAY) for h in holders.values())
    assert any(h.valid_until is None for h in holders.values())
    assert any(h.nation_code not in ("", "01") for h in holders.values())
    assert holders["elderly"].age(TODAY) >= 70


def test_every_holder_survives_the_card_round_trip_with_valid_numbers():
    for key, holder in load_holders().items():
        decoded = decode_text_block(encode_text_block(holder))  # raises if a check digit is wrong
        assert decoded.id_number == holder.id_number, key
        assert decoded.name == holder.name and decoded.english_name == holder.english_name, key


def test_resident_numbers_cannot_belong_to_a_real_person():
    # Region code 99 is not assigned in GB/T 2260.
    for holder in load_holders().values():
        if holder.card_type == "resident":
            assert holder.id_number.startswith("99")



def test_the_simulator_keeps_a_bounded_command_history_however_long_it_runs():
    from devices.idcard import codec
    from devices.idcard.simulator import CardReaderSimulator

    # `kiosk run` on the simulator is polled several times a second, all day long.
    simulator = CardReaderSimulator(load_holders())
    [item] = codec.parse_all(codec.encode_command(codec.FIND_CARD))
    frame = getattr(item, "frame", item)
    for _ in range(5000):
        simulator.answer(frame)
    assert len(simulator.commands_seen) <= 1000
    assert simulator.command_counts[codec.FIND_CARD] == 5000

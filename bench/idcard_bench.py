"""ID-card reader figures: frame decode time, and card-placed-to-event time through a
real pty at 115200 baud compared with the wire time of the answers.

Run: .venv/bin/python bench/idcard_bench.py [--placements N] [--slow-baud]
Prints figures; asserts nothing. Target: the driver adds < 20 ms above wire time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.idcard import codec  # noqa: E402
from devices.idcard.holder import decode_text_block, encode_text_block  # noqa: E402
from devices.idcard.service import CardRead, CardRemoved, IdCardReaderService, ReaderReady  # noqa: E402
from devices.idcard.settings import IdCardSettings  # noqa: E402
from devices.idcard.simulator import (  # noqa: E402
    PHOTO_BLOCK_SIZE, CardReaderSimulator, SimulatedReaderLink, load_holders, wire_seconds,
)
from devices.base.clock import ManualClock  # noqa: E402

# Answer sizes of one read transaction: find 9F (15), select 90 (19), read (1295), latest address 91 (11).
FIND_ANSWER, SELECT_ANSWER, READ_ANSWER, NO_ADDRESS_ANSWER = 15, 19, 1295, 11


def _read_answer_frame() -> bytes:
    holder = load_holders()["elderly"]
    text = encode_text_block(holder)
    data = len(text).to_bytes(2, "big") + PHOTO_BLOCK_SIZE.to_bytes(2, "big") + text + bytes(PHOTO_BLOCK_SIZE)
    return codec.encode_answer(codec.SW_OK, data)


def bench_decode(rounds: int) -> None:
    frame_bytes = _read_answer_frame()
    assert len(frame_bytes) == READ_ANSWER

    def per_call_us(fn, n: int) -> float:
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(n):
                fn()
            samples.append((time.perf_counter() - started) / n * 1e6)
        return statistics.median(samples)

    def parse_whole():
        return codec.parse_all(frame_bytes)

    def parse_bytewise():
        parser = codec.StreamParser()
        for i in range(len(frame_bytes)):
            parser.feed(frame_bytes[i:i + 1])

    def parse_64():
        parser = codec.StreamParser()
        for i in range(0, len(frame_bytes), 64):
            parser.feed(frame_bytes[i:i + 64])

    [frame] = codec.parse_all(frame_bytes)
    text = frame.data[4:260]

    def decode():
        return decode_text_block(text)

    print("== frame decode (1295-byte 30 01 answer) ==")
    print(f"parse, whole frame in one feed : {per_call_us(parse_whole, rounds):8.1f} us")
    print(f"parse, 64-byte chunks          : {per_call_us(parse_64, rounds):8.1f} us")
    print(f"parse, 1-byte chunks           : {per_call_us(parse_bytewise, max(1, rounds // 20)):8.1f} us")
    print(f"decode 256-byte text block     : {per_call_us(decode, rounds):8.1f} us")


def bench_placement(baud: int, placements: int) -> None:
    holders = load_holders()
    simulator = CardReaderSimulator(holders)
    link = SimulatedReaderLink(simulator, baud=baud)
    port = link.start()
    clock = ManualClock(dt.datetime(2026, 11, 27, 9, 0))
    events: list[tuple[float, object]] = []
    arrived = threading.Event()

    def on_event(event) -> None:
        events.append((time.monotonic(), event))
        arrived.set()

    service = IdCardReaderService(IdCardSettings(driver="serial", port=port, baud_rates=(baud,)), on_event, clock=clock)
    service.start()

    def wait_for(kind, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for when, event in events:
                if isinstance(event, kind):
                    events.remove((when, event))
                    return when, event
            arrived.wait(0.05)
            arrived.clear()
        raise RuntimeError(f"no {kind.__name__} within {timeout} s")

    wait_for(ReaderReady)
    keys = ["elderly", "expired", "rare_nation", "hmt", "foreign_old", "foreign_2023"]  # no appended address
    place_to_event, found_to_event = [], []
    for index in range(placements):
        clock.advance(seconds=60)  # outside the 30 s same-holder window
        # Place at a random-ish phase of the poll cycle, as a citizen would.
        time.sleep(0.05 + (index * 0.037) % 0.3)
        placed = time.monotonic()
        simulator.place_card(keys[index % len(keys)])
        when, _ = wait_for(CardRead)
        found_at = simulator.found_at
        place_to_event.append((when - placed) * 1000)
        found_to_event.append((when - found_at) * 1000)
        simulator.remove_card()
        wait_for(CardRemoved)
    service.stop()
    link.stop()

    wire_read = wire_seconds(READ_ANSWER, baud) * 1000
    wire_all = wire_seconds(FIND_ANSWER + SELECT_ANSWER + READ_ANSWER + NO_ADDRESS_ANSWER, baud) * 1000
    overhead = [t - wire_all for t in found_to_event]
    print(f"\n== card placed -> CardRead event, {baud} baud through a pty, {placements} placements ==")
    print(f"wire time of the 1295-byte read answer         : {wire_read:7.1f} ms")
    print(f"wire time of all answers (find+select+read+91) : {wire_all:7.1f} ms")
    print(f"find answered 9F -> event   median {statistics.median(found_to_event):7.1f} ms   "
          f"max {max(found_to_event):7.1f} ms")
    print(f"driver overhead above wire  median {statistics.median(overhead):7.1f} ms   "
          f"max {max(overhead):7.1f} ms   (target < 20 ms)")
    print(f"card placed -> event        median {statistics.median(place_to_event):7.1f} ms   "
          f"max {max(place_to_event):7.1f} ms   (includes waiting for the next 300 ms poll)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--placements", type=int, default=12)
    parser.add_argument("--slow-baud", action="store_true", help="also measure 3 placements at 9600 baud")
    args = parser.parse_args()
    bench_decode(args.rounds)
    bench_placement(115200, args.placements)
    if args.slow_baud:
        bench_placement(9600, 3)


if __name__ == "__main__":
    main()

"""Fixtures for the ID-card tests.

The text blocks below are written out byte by byte from the layout tables in
shared/data/idcard-protocol.md §2 (UCS-2LE, padded with 20 00), for invented
people whose resident numbers use the unassigned region code 99xxxx. They are
not produced by the project's encoder, so the decoder is checked against the
spec rather than against itself.
"""

from __future__ import annotations

import threading

import pytest
from waiting import Collected

# The reader polls its simulator this often in tests (real readers: 300 ms, see
# IdCardSettings.simulator_poll_interval_ms), so cards are seen and released sooner.
FAST_POLL_MS = 50

RESIDENT_TEXT = bytes.fromhex(
    "18 52 89 73 85 68 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 0 name: 刘玉梅
    "32 00 "  # 30 sex: 2
    "30 00 33 00 "  # 32 nation: 03
    "31 00 39 00 35 00 31 00 30 00 36 00 30 00 35 00 "  # 36 birth: 19510605
    "71 5c 7f 89 01 77 81 6c 34 6c bf 53 1f 57 83 6c 61 4e 1f 57 83 6c 51 67 31 00 34 00 f7 53 20 00  "  # 52 address: 山西省沁水县土沃乡土沃村14号
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00  "
    "20 00 20 00 20 00 "
    "39 00 39 00 30 00 35 00 32 00 31 00 31 00 39 00 35 00 31 00 30 00 36 00 30 00 35 00 30 00 30 00  "  # 122 number: 990521195106050024
    "32 00 34 00 "
    "81 6c 34 6c bf 53 6c 51 89 5b 40 5c 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 158 issuer: 沁水县公安局
    "32 00 30 00 31 00 31 00 30 00 33 00 30 00 31 00 "  # 188 valid from: 20110301
    "7f 95 1f 67 20 00 20 00 20 00 20 00 20 00 20 00 "  # 204 valid until: 长期
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00  "  # 220 reserved: 
    "20 00 20 00 "
)

HMT_TEXT = bytes.fromhex(
    "c4 9e d7 5f 1f 4f 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 0 name: 黄志伟
    "31 00 "  # 30 sex: 1
    "20 00 20 00 "  # 32 blank: 
    "31 00 39 00 38 00 33 00 31 00 32 00 30 00 31 00 "  # 36 birth: 19831201
    "71 5c 7f 89 01 77 81 6c 34 6c bf 53 2d 4e 51 67 47 95 2d 4e 51 67 57 88 33 00 f7 53 20 00 20 00  "  # 52 address: 山西省沁水县中村镇中村街3号
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00  "
    "20 00 20 00 20 00 "
    "38 00 33 00 30 00 30 00 30 00 30 00 31 00 39 00 38 00 33 00 31 00 32 00 30 00 31 00 30 00 30 00  "  # 122 number: 830000198312010015
    "31 00 35 00 "
    "81 6c 34 6c bf 53 6c 51 89 5b 40 5c 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 158 issuer: 沁水县公安局
    "32 00 30 00 32 00 33 00 30 00 35 00 30 00 31 00 "  # 188 valid from: 20230501
    "32 00 30 00 32 00 38 00 30 00 35 00 30 00 31 00 "  # 204 valid until: 20280501
    "30 00 30 00 31 00 32 00 33 00 34 00 35 00 36 00 20 00 "  # 220 pass number: 00123456
    "30 00 32 00 "  # 238 issue count: 02
    "20 00 20 00 20 00 "  # 242 reserved: 
    "4a 00 "  # 248 type flag: J
    "20 00 20 00 20 00 "  # 250 reserved: 
)

FOREIGN_OLD_TEXT = bytes.fromhex(
    "4d 00 55 00 45 00 4c 00 4c 00 45 00 52 00 2c 00 20 00 41 00 4e 00 4e 00 41 00 20 00 20 00 20 00  "  # 0 English name: MUELLER, ANNA
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00  "
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00  "
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "
    "32 00 "  # 120 sex: 2
    "44 00 45 00 55 00 34 00 32 00 30 00 30 00 36 00 38 00 30 00 39 00 31 00 32 00 30 00 32 00 "  # 122 number: DEU420068091202
    "44 00 45 00 55 00 "  # 152 nationality: DEU
    "89 5b 1c 5a 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 158 Chinese name: 安娜
    "32 00 30 00 31 00 36 00 30 00 39 00 30 00 31 00 "  # 188 valid from: 20160901
    "32 00 30 00 32 00 36 00 30 00 39 00 30 00 31 00 "  # 204 valid until: 20260901
    "31 00 39 00 36 00 38 00 30 00 39 00 31 00 32 00 "  # 220 birth: 19680912
    "30 00 32 00 "  # 236 card version: 02
    "31 00 34 00 30 00 30 00 "  # 240 authority code: 1400
    "49 00 "  # 248 type flag: I
    "20 00 20 00 20 00 "  # 250 reserved: 
)

FOREIGN_2023_TEXT = bytes.fromhex(
    "0a 4f 07 4e 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 0 Chinese name: 伊万
    "31 00 "  # 30 sex: 1
    "30 00 31 00 "  # 32 renewal count: 01
    "31 00 39 00 37 00 39 00 30 00 31 00 32 00 33 00 "  # 36 birth: 19790123
    "49 00 56 00 41 00 4e 00 4f 00 56 00 2c 00 20 00 53 00 45 00 52 00 47 00 45 00 49 00 20 00 20 00  "  # 52 English name part 1: IVANOV, SERGEI
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00  "
    "20 00 20 00 20 00 "
    "39 00 31 00 34 00 36 00 34 00 33 00 31 00 39 00 37 00 39 00 30 00 31 00 32 00 33 00 30 00 30 00  "  # 122 number: 914643197901230018
    "31 00 38 00 "
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 158 reserved: 
    "32 00 30 00 32 00 33 00 31 00 32 00 30 00 31 00 "  # 188 valid from: 20231201
    "32 00 30 00 33 00 33 00 31 00 32 00 30 00 31 00 "  # 204 valid until: 20331201
    "20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 "  # 220 English name part 2: 
    "52 00 55 00 53 00 "  # 242 nationality: RUS
    "59 00 "  # 248 type flag: Y
    "20 00 20 00 20 00 "  # 250 previous-number link: 
)

# WLT photo stand-in: "WL", width 102, height 126 (LE16), then zeros.
PHOTO_BLOCK = bytes.fromhex("57 4c 66 00 7e 00") + bytes(1018)

# 30 01 answer: preamble, LEN 05 08, SW 00 00 90, text length 01 00, photo length 04 00.
READ_ANSWER_HEAD = bytes.fromhex("aa aa aa 96 69 05 08 00 00 90 01 00 04 00")
# XOR of bytes 5..end-1 of each full answer, computed once with a throwaway script
# (not with devices.idcard.codec) and written down here.
READ_ANSWER_CHECKSUM = {"resident": 0xA3, "hmt": 0x87, "foreign_old": 0x1A, "foreign_2023": 0x85}

TEXT_BLOCKS = {
    "resident": RESIDENT_TEXT,
    "hmt": HMT_TEXT,
    "foreign_old": FOREIGN_OLD_TEXT,
    "foreign_2023": FOREIGN_2023_TEXT,
}


@pytest.fixture
def text_blocks() -> dict[str, bytes]:
    return dict(TEXT_BLOCKS)


@pytest.fixture
def read_answer():
    """`read_answer("hmt")` -> the full 1295-byte 30 01 answer frame for that card."""

    def build(name: str) -> bytes:
        return READ_ANSWER_HEAD + TEXT_BLOCKS[name] + PHOTO_BLOCK + bytes([READ_ANSWER_CHECKSUM[name]])

    return build


class EventRecorder:
    """Collects reader events delivered on the reader thread."""

    def __init__(self) -> None:
        self._collected: Collected = Collected()
        self._taken = 0  # events before this index were passed over by wait_for
        self.thread_names: set[str] = set()

    def __call__(self, event) -> None:
        self.thread_names.add(threading.current_thread().name)
        self._collected(event)

    @property
    def events(self) -> list:
        return self._collected.items

    def wait_for(self, kind, timeout: float = 5.0):
        """The next event of type `kind` after the one the last wait returned (others are kept in `events`)."""

        def next_of_kind(events: list) -> int:
            return next((i + 1 for i in range(self._taken, len(events)) if isinstance(events[i], kind)), 0)

        self._taken = self._collected.wait_for(next_of_kind, timeout, f"a {kind.__name__}")
        return self.events[self._taken - 1]

    def of(self, kind) -> list:
        return self._collected.of(kind)


@pytest.fixture
def simulated_reader():
    """`simulated_reader(baud=115200, **link options)` -> a started SimulatedReaderLink (stopped after the test)."""
    from devices.idcard.simulator import CardReaderSimulator, SimulatedReaderLink, load_holders

    links = []

    def start(baud: int = 115200, halt_after_read: bool = False, **options):
        link = SimulatedReaderLink(CardReaderSimulator(load_holders(), halt_after_read=halt_after_read),
                                   baud=baud, **options)
        link.start()
        links.append(link)
        return link

    yield start
    for link in links:
        link.stop()


@pytest.fixture
def reader_service():
    """`reader_service(port, clock=None, **settings)` -> (started service, EventRecorder); stopped after the test.

    The real service, set up as the kiosk sets it up for its simulator (driver
    "simulator" with the simulator's port), polling every FAST_POLL_MS."""
    from devices.idcard.service import IdCardReaderService
    from devices.idcard.settings import IdCardSettings

    services = []

    def start(port: str, clock=None, **settings):
        recorder = EventRecorder()
        settings.setdefault("simulator_poll_interval_ms", FAST_POLL_MS)
        service = IdCardReaderService(IdCardSettings(driver="simulator", port=port, **settings), recorder, clock=clock)
        service.start()
        services.append(service)
        return service, recorder

    yield start
    for service in services:
        service.stop()

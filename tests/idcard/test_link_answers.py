"""SamLink against a hand-driven module on a real pty: answers written as hex bytes."""

from __future__ import annotations

import os
import select
import threading
import tty

import pytest

from devices.idcard import codec
from devices.idcard import messages_zh as zh
from devices.idcard.errors import ReaderBadAnswer
from devices.idcard.link import SamLink

pytestmark = pytest.mark.timeout(30)

FIND_COMMAND = bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")


class ScriptedModule:
    """The far end of a pty: for each command frame received, writes the next scripted reply."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = list(replies)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        received = b""
        while not self._stop.is_set():
            readable, _, _ = select.select([self.master], [], [], 0.05)
            if not readable:
                continue
            received += os.read(self.master, 256)
            while len(received) >= len(FIND_COMMAND) and self.replies:
                received = received[len(FIND_COMMAND):]
                os.write(self.master, self.replies.pop(0))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def scripted_module():
    modules = []

    def start(*replies_hex: str) -> ScriptedModule:
        module = ScriptedModule([bytes.fromhex(h) for h in replies_hex])
        modules.append(module)
        return module

    yield start
    for module in modules:
        module.close()


@pytest.mark.parametrize("answer_hex, shown", [
    ("AA AA AA 96 69 00 04 00 01 80 85", "00 01"),  # SW2 = 01, SW3 "no card"
    ("AA AA AA 96 69 00 04 6A 82 80 6C", "6A 82"),  # an ISO 7816 status word where SW1 SW2 belong
])
def test_answer_with_sw1_sw2_not_00_00_is_a_clear_protocol_error(scripted_module, answer_hex, shown):
    # GIVEN a module that answers find card with a whole frame whose SW1 SW2 are not 00 00
    module = scripted_module(answer_hex)
    link = SamLink(module.path, 115200)
    try:
        # WHEN the driver sends find card THEN it gets a protocol error, not a timeout and not "no card"
        with pytest.raises(ReaderBadAnswer) as caught:
            link.transact(codec.FIND_CARD)
    finally:
        link.close()
    assert caught.value.message_en == f"reader answered find card with SW1 SW2 = {shown} instead of 00 00: malformed answer"
    assert caught.value.message_zh == zh.READER_FAULT


def test_good_answer_and_an_echo_of_our_command_still_pass(scripted_module):
    # An echo of the command itself (some USB bridges loop back) is skipped, the answer returned.
    module = scripted_module("AA AA AA 96 69 00 03 20 01 22" "AA AA AA 96 69 00 04 00 00 80 84")
    link = SamLink(module.path, 115200)
    try:
        answer = link.transact(codec.FIND_CARD)
    finally:
        link.close()
    assert (answer.sw1_sw2_ok, answer.sw3) == (True, codec.SW_NO_CARD)

"""Every SW3 status maps to what the kiosk does and what the citizen is told."""

from __future__ import annotations

import pytest

from devices.idcard.service import STATUS_ACTIONS, ProblemAction, action_for_status

PLACE_AGAIN = "请重新放置证件"
READER_FAULT = "读卡器故障，请联系工作人员"

# sw3: (action, Chinese message, retried quietly first) — from the notes' status table.
EXPECTED = {
    0x90: (None, "", False),
    0x91: (None, "", False),
    0x9F: (None, "", False),
    0x80: (None, "", False),
    0x10: (ProblemAction.PLACE_AGAIN, PLACE_AGAIN, True),
    0x11: (ProblemAction.PLACE_AGAIN, PLACE_AGAIN, True),
    0x21: (ProblemAction.READER_FAULT, READER_FAULT, False),
    0x23: (ProblemAction.READER_FAULT, READER_FAULT, False),
    0x24: (ProblemAction.PLACE_AGAIN, PLACE_AGAIN, True),
    0x31: (ProblemAction.PLACE_AGAIN, PLACE_AGAIN, True),
    0x32: (ProblemAction.CARD_UNREADABLE, "这张证件读不出来，请到窗口请工作人员帮忙", True),
    0x33: (ProblemAction.CARD_UNREADABLE, "这张证件读不出来，请到窗口请工作人员帮忙", True),
    0x40: (ProblemAction.NOT_ID_CARD, "不是身份证，请放身份证或居住证", False),
    0x41: (ProblemAction.PLACE_AGAIN, "没有读好，请拿起证件，再平放在读卡区，不要移动", True),
    0x47: (ProblemAction.PLACE_AGAIN, PLACE_AGAIN, True),
    0x60: (ProblemAction.READER_FAULT, READER_FAULT, False),
    0x66: (ProblemAction.OUT_OF_SERVICE, "读卡器暂停使用，请联系工作人员", False),
    0x81: (ProblemAction.PLACE_AGAIN, PLACE_AGAIN, True),
}


@pytest.mark.parametrize("sw3", sorted(EXPECTED), ids=lambda v: f"{v:02X}")
def test_status_maps_to_action_and_message(sw3):
    status = action_for_status(sw3)
    assert (status.action, status.message_zh, status.retry) == EXPECTED[sw3]


def test_every_documented_status_is_covered():
    assert set(STATUS_ACTIONS) == set(EXPECTED)


def test_an_unknown_status_asks_to_place_again_rather_than_crashing():
    status = action_for_status(0x5C)
    assert status.action == ProblemAction.PLACE_AGAIN and status.retry

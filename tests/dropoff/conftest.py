from __future__ import annotations

import pytest

from devices.base.clock import ManualClock
from dropoff_drafts import SATURDAY_EVENING, page_jpegs as make_page_jpegs


@pytest.fixture
def clock():
    return ManualClock(SATURDAY_EVENING)


@pytest.fixture
def hall(settings, clock):
    from kiosk.root.hall import open_hall

    opened = open_hall(settings, clock)
    yield opened
    opened.close()


@pytest.fixture
def page_jpegs():
    return make_page_jpegs()

"""Sessions and device tokens remembered for a few seconds (kiosk.services.token_cache).

GIVEN a hall and a second process's view of the same database (another worker, the
terminal's `kiosk account`/`kiosk device`), WHEN one ends a session or disables a device,
THEN this process refuses it at once if it made the change, and within the cache's
seconds if the other did.
"""

from __future__ import annotations

from hall_server import MANAGER, STAFF

from kiosk.config import load_settings
from kiosk.root.hall import open_hall
from kiosk.services.token_cache import TokenCache


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_seconds_and_only_valid_tokens_take_room():
    tick = Ticking()
    cache: TokenCache[str] = TokenCache(5.0, size=2, clock=tick)
    cache.put("a", "alice")
    assert cache.get("a") == "alice" and cache.get("b") is None
    tick.now += 5.0
    assert cache.get("a") is None
    cache.put("a", "alice"), cache.put("b", "bob"), cache.put("c", "carol")  # full: the old ones go
    assert cache.get("c") == "carol" and len(cache._entries) <= 2
    cache.drop_where(lambda name: name == "carol")
    assert cache.get("c") is None


def test_another_process_disabling_an_account_or_device_shows_here_within_the_cache_seconds(hall, accounts):
    session = hall.accounts.login(*STAFF)
    _device, token = hall.kiosk_devices.add("kiosk-2")
    assert hall.accounts.session(session.token).username == STAFF[0]
    assert hall.kiosk_devices.authenticate(token) is not None
    other = open_hall(load_settings(), hall.clock)  # the terminal, or a second worker
    try:
        other.accounts.set_active(other.accounts.account(MANAGER[0]), STAFF[0], False)
        other.kiosk_devices.set_active("kiosk-2", False)
        # Remembered here for a few seconds …
        assert hall.accounts.session(session.token) is not None
        assert hall.kiosk_devices.authenticate(token) is not None
        # … and refused once they run out (as if DEVICE/SESSION_CACHE_SECONDS had passed).
        hall.accounts._sessions.clear()
        hall.kiosk_devices._tokens.clear()
        assert hall.accounts.session(session.token) is None
        assert hall.kiosk_devices.authenticate(token) is None
        # The process that made the change refuses at once.
        assert other.accounts.session(session.token) is None
    finally:
        other.close()


def test_this_process_ends_a_session_or_a_device_at_once(hall, accounts):
    session = hall.accounts.login(*STAFF)
    assert hall.accounts.session(session.token) is not None  # now remembered
    hall.accounts.logout(session.token)
    assert hall.accounts.session(session.token) is None and hall.accounts.cached_session(session.token) is None
    second = hall.accounts.login(*STAFF)
    assert hall.accounts.session(second.token) is not None
    hall.accounts.reset_password(STAFF[0], "Another-pass-77")
    assert hall.accounts.session(second.token) is None
    _device, token = hall.kiosk_devices.add("kiosk-3")
    assert hall.kiosk_devices.authenticate(token) is not None
    hall.kiosk_devices.set_active("kiosk-3", False)
    assert hall.kiosk_devices.authenticate(token) is None and hall.kiosk_devices.cached(token) is None

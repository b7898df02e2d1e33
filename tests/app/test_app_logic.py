"""The app's Kivy-free pieces, headless: idle timer, citizen session, voice, runtime."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from waiting import wait_until

from kiosk.idle import ACTIVE, DISARMED, EXPIRED, WARNING, IdleTimer
from kiosk.session import CitizenSession


class Tick:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_idle_timer_phases_and_touch():
    tick = Tick()
    timer = IdleTimer(90, 15, now=tick)
    assert timer.state().phase == DISARMED
    tick.now = 500
    assert timer.state().phase == DISARMED  # Home: never counts down
    timer.arm()
    tick.now += 74
    assert timer.state().phase == ACTIVE and timer.state().seconds_left == 16
    tick.now += 1
    assert timer.state().phase == WARNING and timer.state().seconds_left == 15
    timer.touch()
    assert timer.state().phase == ACTIVE
    tick.now += 90
    assert timer.state().phase == EXPIRED
    with pytest.raises(ValueError):
        IdleTimer(10, 10)


def test_session_wipe_forgets_everything_and_repr_shows_nothing_personal():
    from devices.idcard.simulator import load_holders

    holder = load_holders()["elderly"]
    session = CitizenSession()
    assert session.is_empty
    session.set_holder(holder, 78, False, "elderly")
    session.search_text = "db"
    session.scratch["step"] = 2
    assert not session.is_empty
    assert session.masked_name == "张**" and session.masked_id == "9905**********0026"
    assert "张" not in repr(session) and "9905" not in repr(session)
    session.wipe("test")
    assert session.is_empty and session.holder is None and session.id_number is None


def test_voice_prompter_speaks_to_wav_and_respects_mute(tmp_path):
    from kiosk.voice import VoicePrompter

    voice = VoicePrompter(enabled=True, wav_dir=tmp_path)
    voice.say("请刷身份证")
    wait_until(lambda: voice.files, 10, 0.05, "the prompt spoken to a WAV file")
    assert voice.files and voice.files[0].stat().st_size > 1000
    voice.set_muted(True)
    voice.say("不应该说")
    assert list(voice.spoken) == ["请刷身份证"]
    voice.close()


def test_runtime_priority_by_age_uses_the_configured_age(settings):
    import dataclasses

    from kiosk.root.runtime import KioskRuntime

    runtime = KioskRuntime(settings)
    try:
        assert runtime.tickets.priority_for_age(69) == "normal"
        assert runtime.tickets.priority_for_age(70) == "elderly"
        assert runtime.tickets.priority_for_age(None) == "normal"
        policy = dataclasses.replace(settings.policy, elderly_priority_age=65)
        younger = KioskRuntime(dataclasses.replace(settings, policy=policy))
        assert younger.tickets.priority_for_age(66) == "elderly"
        younger.store.close()
    finally:
        runtime.store.close()


def test_offset_clock_starts_at_the_given_local_time():
    from devices.base.clock import HALL_TZ
    from kiosk.root.runtime import OffsetClock

    clock = OffsetClock(dt.datetime(2026, 11, 27, 9, 30))
    now = clock.now()
    assert now.tzinfo is not None
    assert abs((now - dt.datetime(2026, 11, 27, 9, 30, tzinfo=HALL_TZ)).total_seconds()) < 2


def test_sd_notify_sends_to_the_socket_systemd_gives(tmp_path, monkeypatch):
    from kiosk.system import sd_notify, watchdog_interval

    assert sd_notify("READY=1") is False  # no NOTIFY_SOCKET: nothing to do
    path = str(tmp_path / "n.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert sd_notify("READY=1") is True
    assert receiver.recv(64) == b"READY=1"
    assert watchdog_interval() == 15.0
    receiver.close()

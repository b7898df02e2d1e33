"""A kiosk that cannot start shows 本机暂停服务 instead of a black screen, and recovers by itself.

`kiosk run` as its own process on the test display: a broken settings file, then
fixed while it runs; a damaged database file. No crash loop, the reason in the log
in English, for staff on screen in Chinese (file and setting).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from display import grab_screen, save_screenshot

from devices.base.errors import ConfigError
from kiosk.errors import StoreError

pytestmark = [pytest.mark.ui, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def test_staff_line_names_the_file_and_setting_in_chinese():
    from screens.out_of_service import staff_reason_zh

    problem = ConfigError("/etc/qinxin-kiosk/hall.toml", "queues[0].prefix", "expected text in quotes, got 7",
                          "write text in quotes")
    assert staff_reason_zh(problem) == "配置文件有误（文件 hall.toml，设置项 queues[0].prefix）"
    damaged = StoreError("cannot use database x: file is not a database", "数据文件损坏或无法写入，请联系工作人员")
    assert staff_reason_zh(damaged) == "数据文件损坏或无法写入，请联系工作人员"


def _start(tmp_path: Path, config: Path, data_dir: Path) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, KIOSK_CONFIG=str(config), KIOSK_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1",
               LP_NUM_THREADS="1")
    for name in ("KIVY_HOME", "KIVY_NO_CONSOLELOG", "KIVY_LOG_MODE"):
        env.pop(name, None)
    log_path = tmp_path / "kiosk.log"
    with open(log_path, "w") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "-v", "run", "--at", "2026-11-27T09:30", "--mute", "--no-server"],
                                   cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=log_file, text=True)
    return process, log_path


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_broken_settings_show_out_of_service_then_the_kiosk_comes_back_when_fixed(tmp_path, artifacts):
    assert os.environ.get("DISPLAY"), "run under xvfb-run"
    config = tmp_path / "hall.toml"
    good = (REPO / "config" / "hall.toml").read_text(encoding="utf-8")
    config.write_text(good.replace('prefix = "A"', "prefix = 7", 1), encoding="utf-8")
    process, log_path = _start(tmp_path, config, tmp_path / "data")
    try:
        assert process.stdout.readline().strip() == "KIOSK OUT OF SERVICE", log_path.read_text()[-3000:]
        log = log_path.read_text()
        assert "queues[0].prefix: expected text in quotes, got 7. Fix: write text in quotes" in log
        time.sleep(1)
        assert process.poll() is None  # no crash loop: the screen stays up
        screen = grab_screen()

        config.write_text(good, encoding="utf-8")  # staff fix the file
        lines = [process.stdout.readline().strip() for _ in range(2)]
        assert lines[0].startswith("KIOSK FIRST FRAME") and lines[1] == "KIOSK READY", log_path.read_text()[-3000:]
        assert _stop(process) == 0
        assert "the problem is fixed: restarting the kiosk" in log_path.read_text()
        # Last, so a display that cannot be photographed does not hide the checks above.
        shot = save_screenshot(screen, artifacts("app") / "out-of-service.png")
        assert shot.stat().st_size > 10_000
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_a_setting_the_app_cannot_use_shows_out_of_service_instead_of_a_restart_loop(tmp_path):
    """idle_warning_seconds >= idle_seconds once passed the checks and crashed while the app was built."""
    config = tmp_path / "hall.toml"
    good = (REPO / "config" / "hall.toml").read_text(encoding="utf-8")
    config.write_text(good.replace("idle_warning_seconds = 15", "idle_warning_seconds = 90", 1), encoding="utf-8")
    process, log_path = _start(tmp_path, config, tmp_path / "data")
    try:
        assert process.stdout.readline().strip() == "KIOSK OUT OF SERVICE", log_path.read_text()[-3000:]
        assert "kiosk.idle_warning_seconds: 90 is not less than idle_seconds (90)" in log_path.read_text()
        time.sleep(1)
        assert process.poll() is None  # the screen stays up: no crash, no restart loop
        assert _stop(process) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_start_up_turns_a_setting_the_app_cannot_use_into_a_config_error(settings):
    """Whatever the settings' checks miss, building the kiosk before the window raises
    ConfigError (shown as 本机暂停服务 and re-checked), never an exception that escapes."""
    import dataclasses

    from kiosk.root.touch_screen import build_kiosk

    unchecked = dataclasses.replace(settings, kiosk=dataclasses.replace(settings.kiosk, idle_warning_seconds=120))
    with pytest.raises(ConfigError) as caught:
        build_kiosk(unchecked)
    assert caught.value.key == "kiosk.idle_warning_seconds"


def test_a_damaged_database_shows_out_of_service_and_keeps_the_file(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    damaged = data_dir / "hall.db"
    damaged.write_bytes(b"this is not a database, a power cut ate it" * 100)
    process, log_path = _start(tmp_path, REPO / "config" / "hall.toml", data_dir)
    try:
        assert process.stdout.readline().strip() == "KIOSK OUT OF SERVICE", log_path.read_text()[-3000:]
        assert "cannot use database" in log_path.read_text()
        assert _stop(process) == 0  # stopped on purpose while out of service: a clean stop
        # The evidence is left for staff (and recovery tools) exactly as it was.
        assert damaged.read_bytes().startswith(b"this is not a database")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)

"""GIVEN a hall's settings file WHEN it is loaded THEN it is accepted, or refused
with a message that names the file, the key, the problem and the fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.config import default_config_path, load_settings
from devices.base.errors import ConfigError

DEFAULT_TEXT = default_config_path().read_text(encoding="utf-8")


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_hall_is_jiafeng_with_reception_and_collection_queues():
    settings = load_settings()
    assert settings.hall.name == "嘉峰镇便民服务中心"
    assert settings.hall.county == "沁水县"
    assert [(q.prefix, q.name) for q in settings.queues][:2] == [("A", "综合受理"), ("B", "综合出件")]
    assert settings.devices.idcard.driver == "simulator"
    assert settings.devices.printer.driver == "simulator"
    assert settings.devices.camera.driver == "simulator"


def test_data_dir_comes_from_environment_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "hall-two"))
    settings = load_settings()
    assert settings.data_dir == tmp_path / "hall-two"
    assert settings.database_path == tmp_path / "hall-two" / "hall.db"


def test_holidays_close_a_weekday_and_make_up_days_open_a_weekend():
    hours = load_settings().hours
    assert hours.periods_on(dt.date(2026, 10, 5)) == ()  # Monday in the National Day holiday
    assert hours.periods_on(dt.date(2026, 10, 10))  # Saturday make-up workday
    assert hours.periods_on(dt.date(2026, 11, 28)) == ()  # ordinary Saturday


@pytest.mark.parametrize(
    ("old", "new", "key", "problem_part"),
    [
        ('township = "嘉峰镇"', 'township = "嘉峰镇"\ntownshp = "x"', "hall.townshp", "unknown key"),
        ("daily_cap = 300", 'daily_cap = "many"', "queues[0].daily_cap", "expected a whole number"),
        ('mon = ["08:30-12:00", "14:30-17:30"]', 'mon = ["08:30-12:00", "12:30-11:00"]', "hours.mon[1]",
         "ends before it starts"),
        ('mon = ["08:30-12:00", "14:30-17:30"]', 'mon = ["8.30 to 12"]', "hours.mon[0]", "not a time range"),
        ('queues = ["B", "C"]', 'queues = ["B", "D"]', "windows[2].queues[1]", "no queue 'D'"),
        ('priority_policy = "aging"', 'priority_policy = "random"', "policy.priority_policy", "not allowed"),
        ('prefix = "B"', 'prefix = "A"', "queues[1].prefix", "used twice"),
        ('driver = "simulator"\nbaud_rates', 'driver = "bluetooth"\nbaud_rates', "devices.idcard.driver",
         "not allowed"),
        ("poll_interval_ms = 300", "poll_interval_ms = 50", "devices.idcard.poll_interval_ms", "below 300"),
        ("voice_prompts = true", 'voice_prompts = true\nstaff_pin = "2580"', "kiosk.staff_pin",
         "no longer lives in the settings file"),
        ("idle_warning_seconds = 15", "idle_warning_seconds = 90", "kiosk.idle_warning_seconds",
         "not less than idle_seconds"),
        ("idle_warning_seconds = 15", "idle_warning_seconds = 2", "kiosk.idle_warning_seconds", "too short"),
        ('queues = ["A", "C"]', 'queues = ["A", "C", "A"]', "windows[1].queues", "listed twice"),
        ('"2026-05-09", "2026-09-20"', '"2026-05-08", "2026-09-20"', "hours.extra_workdays[3]",
         "not a weekend day"),
        ('tue = ["08:30-12:00", "14:30-17:30"]', 'tue = ["08:30-08:40", "14:30-17:30"]', "hours.tue[0]",
         "no number is ever issued"),
    ],
)
def test_broken_config_names_file_key_problem_and_fix(tmp_path, old, new, key, problem_part):
    assert old in DEFAULT_TEXT, "the test edits a line that must exist in the default file"
    path = write_config(tmp_path, DEFAULT_TEXT.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    error = caught.value
    assert error.file == str(path)
    assert error.key == key
    assert problem_part in error.problem
    assert error.fix  # always says how to fix it
    assert str(path) in error.message_en and key in error.message_en
    assert error.message_zh == "配置文件有误，请联系工作人员"


def test_unknown_key_suggests_the_intended_spelling(tmp_path):
    path = write_config(tmp_path, DEFAULT_TEXT.replace("recall_limit = 2", "recal_limit = 2"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "did you mean 'recall_limit'" in caught.value.fix


def test_missing_required_key_is_named(tmp_path):
    path = write_config(tmp_path, DEFAULT_TEXT.replace('county = "沁水县"\n', ""))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == "hall.county"
    assert caught.value.problem == "missing"


def test_toml_syntax_error_is_a_config_error(tmp_path):
    path = write_config(tmp_path, DEFAULT_TEXT.replace('name = "嘉峰镇便民服务中心"', "name = 嘉峰镇便民服务中心"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == "(syntax)"
    assert "line" in caught.value.problem


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.toml")
    assert caught.value.problem == "file not found"


def test_queue_nobody_serves_is_refused(tmp_path):
    text = DEFAULT_TEXT.replace('queues = ["B", "C"]', 'queues = ["C"]')
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, text))
    assert "no window serves queue 'B'" in caught.value.problem


def test_a_folder_where_the_settings_file_should_be_is_a_config_error(tmp_path):
    (tmp_path / "hall.toml").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "hall.toml")
    assert caught.value.key == "(file)" and caught.value.problem.startswith("cannot be read")

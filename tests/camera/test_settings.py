"""GIVEN a hall file with a wrong [devices.camera] value THEN loading names the key and the fix."""

from __future__ import annotations

import pytest

from kiosk.config import default_config_path, load_settings
from devices.base.errors import ConfigError


def _hall_with_camera(tmp_path, lines: str):
    text = default_config_path().read_text(encoding="utf-8")
    text = text.replace('[devices.camera]\ndriver = "simulator"', '[devices.camera]\ndriver = "simulator"\n' + lines)
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_hall_uses_the_simulator(settings):
    assert settings.devices.camera.driver == "simulator"


@pytest.mark.parametrize("line,key", [
    ("jpeg_quality = 120", "devices.camera.jpeg_quality"),
    ("stable_frames = 1", "devices.camera.stable_frames"),
    ('colour_mode = "sepia"', "devices.camera.colour_mode"),
    ("platen_width = 420", "devices.camera.platen_width"),
])
def test_wrong_camera_setting_is_named_with_its_fix(tmp_path, line, key):
    with pytest.raises(ConfigError) as raised:
        load_settings(_hall_with_camera(tmp_path, line))
    assert raised.value.key == key
    assert raised.value.message_zh == "配置文件有误，请联系工作人员"


def test_good_camera_settings_load(tmp_path):
    settings = load_settings(_hall_with_camera(tmp_path, 'platen_width_mm = 420.0\ncolour_mode = "gray"'))
    assert settings.devices.camera.platen_width_mm == 420.0
    assert settings.devices.camera.colour_mode == "gray"

"""The hall's own catalogue: a folder beside its settings, seeded once, never overwritten."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import default_config_path, load_settings
from kiosk.guides.catalogue import default_matters_dir, load_catalogue
from kiosk.guides.hall_folder import SEED_NOTE, hall_matters_dir, prepare_hall_matters, seed_matters


@pytest.fixture
def hall_toml(tmp_path) -> Path:
    """A hall's own settings file in its own folder (as `deploy/` installs it)."""
    folder = tmp_path / "etc-qinxin"
    folder.mkdir()
    path = folder / "hall.toml"
    shutil.copy(default_config_path(), path)
    return path


def _rename(path: Path, name: str) -> None:
    """Staff change a matter's name in their own copy."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'^name = ".*"$', f'name = "{name}"', text, count=1, flags=re.M), encoding="utf-8")


def _packaged_ids() -> set[str]:
    return {p.name for p in default_matters_dir().glob("*.toml")}


def test_first_run_seeds_the_folder_beside_the_halls_settings(hall_toml):
    # GIVEN a hall with its own hall.toml and no matters folder yet
    settings = load_settings(hall_toml)
    assert not (hall_toml.parent / "matters").exists()
    # WHEN the kiosk or a command first needs the guides
    folder = prepare_hall_matters(settings)
    # THEN the folder beside hall.toml holds a copy of every packaged file and says it is the hall's
    assert folder == hall_toml.parent / "matters"
    assert {p.name for p in folder.glob("*.toml")} == _packaged_ids()
    note = (folder / SEED_NOTE).read_text(encoding="utf-8")
    assert "本中心自己的办事指南" in note and "never overwrite" in note
    assert not list(hall_toml.parent.glob(".matters.seeding-*"))  # no staging left behind


def test_a_halls_edits_survive_a_reinstall(hall_toml):
    # GIVEN a seeded folder where staff edited one matter and deleted another
    settings = load_settings(hall_toml)
    folder = prepare_hall_matters(settings)
    _rename(folder / "dibao.toml", "低保（沁水本地版）")
    (folder / "zhaijidi.toml").unlink()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # WHEN the software is upgraded and the seed step runs again
    assert seed_matters(folder) is False
    prepare_hall_matters(load_settings(hall_toml))
    # THEN nothing in the hall's folder changed
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert load_catalogue(folder).get("dibao").name == "低保（沁水本地版）"
    assert load_catalogue(folder).get("zhaijidi") is None


def test_an_emptied_folder_is_the_halls_choice_and_stays_empty(tmp_path):
    folder = tmp_path / "matters"
    folder.mkdir()
    assert seed_matters(folder) is False
    assert list(folder.iterdir()) == []


def test_on_the_packaged_settings_the_halls_copy_lives_in_the_data_dir(data_dir):
    # The packaged hall.toml is inside the installed package: beside it is lost on upgrade.
    settings = load_settings()
    assert hall_matters_dir(settings) == data_dir / "matters"
    assert prepare_hall_matters(settings) == data_dir / "matters"
    assert (data_dir / "matters" / "dibao.toml").is_file()
    assert not (default_config_path().parent / "matters" / SEED_NOTE).exists()


def test_matters_dir_setting_relative_to_the_settings_file(hall_toml):
    text = hall_toml.read_text(encoding="utf-8").replace('matters_dir = ""', 'matters_dir = "guides/own"')
    hall_toml.write_text(text, encoding="utf-8")
    assert hall_matters_dir(load_settings(hall_toml)) == hall_toml.parent / "guides" / "own"


def test_the_kiosk_reads_the_halls_folder(hall_toml):
    from kiosk.root.hall import open_hall

    folder = prepare_hall_matters(load_settings(hall_toml))
    _rename(folder / "dibao.toml", "低保（本中心）")
    hall = open_hall(load_settings(hall_toml))
    try:
        catalogue = hall.guides.catalogue()
        assert catalogue.directory == folder
        assert catalogue.get("dibao").name == "低保（本中心）"
    finally:
        hall.close()


def test_the_kiosk_seeds_the_folder_on_its_first_start(hall_toml):
    from kiosk.root.hall import open_hall

    hall = open_hall(load_settings(hall_toml))
    try:
        assert hall.guides.catalogue().directory == hall_toml.parent / "matters"
        assert (hall_toml.parent / "matters" / SEED_NOTE).is_file()
    finally:
        hall.close()


def test_the_commands_read_the_halls_folder(hall_toml, capsys):
    folder = prepare_hall_matters(load_settings(hall_toml))
    _rename(folder / "dibao.toml", "低保（本中心）")
    assert main(["--config", str(hall_toml), "guides", "show", "dibao"]) == 0
    assert "事项名称：低保（本中心）" in capsys.readouterr().out


def test_guides_check_reports_a_broken_file_in_the_halls_folder(hall_toml, capsys):
    # GIVEN a hall whose staff broke one file in their own folder
    folder = prepare_hall_matters(load_settings(hall_toml))
    (folder / "dibao.toml").write_text('name = "低保"\ndepartmnet = "民政"\n', encoding="utf-8")
    # WHEN staff run the check with the hall's settings
    code = main(["--config", str(hall_toml), "guides", "check"])
    out, err = capsys.readouterr()
    # THEN it fails naming that file in the hall's folder, not the packaged one
    assert code == 1
    assert f"{folder / 'dibao.toml'}: departmnet: unknown key" in out
    assert f"checked {folder}" in err
    # AND the packaged catalogue is untouched and still passes
    assert load_catalogue(default_matters_dir()).get("dibao") is not None

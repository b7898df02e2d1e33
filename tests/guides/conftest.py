"""Fixtures for the guide catalogue tests: a shipped catalogue and a scratch matters folder."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

MINIMAL_GUIDE = """\
name = "高龄津贴"
department = "民政"
after_hours_dropoff_allowed = false

[provenance]
sample = true
"""


@pytest.fixture(scope="session")
def shipped_catalogue():
    from kiosk.guides.catalogue import load_catalogue

    return load_catalogue()


@pytest.fixture
def matters_dir(tmp_path) -> Path:
    folder = tmp_path / "matters"
    folder.mkdir()
    return folder


@pytest.fixture
def write_matter(matters_dir):
    """write_matter("id", toml_text) → the file path, in a fresh matters folder."""

    def write(guide_id: str, text: str = MINIMAL_GUIDE) -> Path:
        path = matters_dir / f"{guide_id}.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    """A copy of the shipped matters folder that a test may break."""
    from kiosk.guides.catalogue import default_matters_dir

    folder = tmp_path / "matters-copy"
    shutil.copytree(default_matters_dir(), folder)
    return folder

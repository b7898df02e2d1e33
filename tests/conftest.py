"""Root test configuration.

Kivy reads its environment at first import, so these are set before anything
imports kivy (see shared kivy-notes §2). Every test gets its own data directory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
os.environ.setdefault("KIVY_METRICS_DENSITY", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

import pytest  # noqa: E402
from display import start_own_display, stop_display  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def _this_trees_config() -> Path:
    return REPO_ROOT / "config"


# The packaged config under test (`kiosk.default_config`) is this tree's `config/`.
# An editable install maps `kiosk.default_config` to the checkout it was made from,
# so a second worktree would otherwise silently test the first one's hall.toml and
# matter files. Set here, before any test module is imported: some read the default
# file at import time.
import kiosk.config  # noqa: E402

kiosk.config.default_config_dir = _this_trees_config


def pytest_configure(config):
    """Each pytest-xdist worker draws on an Xvfb display of its own (see tests/display.py).

    A single process (no -n) keeps the display it was started on, as before.
    KIOSK_TEST_SHARED_DISPLAY=1 keeps the inherited display in the workers too.
    """
    global _own_display
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("KIOSK_TEST_SHARED_DISPLAY") != "1":
        _own_display = start_own_display()
        if _own_display is None:
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                "no Xvfb: the xdist workers share $DISPLAY, so their UI tests can click and photograph "
                "each other's windows; install xvfb or run with -n 0"), stacklevel=2)


def pytest_unconfigure(config):
    stop_display(_own_display)


_own_display = None


def artifacts_dir(area: str) -> Path:
    """Where tests leave files for a person to look at (PNG renders, contact sheets)."""
    base = Path(os.environ.get("KIOSK_ARTIFACTS_DIR", REPO_ROOT / "test-artifacts"))
    path = base / area
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """No test ever writes to the real data directory."""
    data_dir = tmp_path / "kiosk-data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data_dir))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    return data_dir


@pytest.fixture
def data_dir(_isolated_data_dir):
    return _isolated_data_dir


@pytest.fixture
def settings():
    from kiosk.config import load_settings

    return load_settings()


@pytest.fixture
def artifacts():
    """`artifacts("printer")` -> a folder under test-artifacts/ for files a person looks at."""
    return artifacts_dir

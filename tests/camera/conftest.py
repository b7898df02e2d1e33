"""Shared helpers for the camera tests, as fixtures (test modules never import each other)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from waiting import Collected

from devices.camera import synthetic


def _fixed_scene(background: str, kind: str, seed: int, aspect: float, **changes) -> synthetic.Scene:
    rng = np.random.default_rng(seed)
    scene = synthetic.random_scene(rng, background, aspect=aspect, page_kind=kind)
    return replace(scene, **changes) if changes else scene


@pytest.fixture
def make_scene():
    """make_scene(background, kind, seed=1, aspect=16/9, **overrides) -> a fixed Scene."""

    def make(background: str = "dark_mat", kind: str = "a4_text", seed: int = 1, aspect: float = 16 / 9,
             **changes) -> synthetic.Scene:
        return _fixed_scene(background, kind, seed, aspect, **changes)

    return make


@pytest.fixture
def render():
    """render(scene, width=1920, height=1080) -> BGR frame."""

    def do(scene: synthetic.Scene, width: int = 1920, height: int = 1080) -> np.ndarray:
        return synthetic.render_scene(scene, width, height)

    return do


class EventLog:
    """Collects CameraService events the way a UI would (from another thread)."""

    def __init__(self) -> None:
        self._collected: Collected = Collected()

    def __call__(self, event) -> None:
        self._collected(event)

    @property
    def events(self) -> list:
        return self._collected.items

    def of(self, kind) -> list:
        return self._collected.of(kind)

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        """Whether `predicate()` came true within `timeout` s (re-checked at each event)."""
        return bool(self._collected.wait(lambda _events: predicate(), timeout))


@pytest.fixture
def event_log():
    return EventLog()

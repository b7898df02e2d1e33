"""The interface every camera source offers the capture service: the real OpenCV
driver (`opencv_driver`) and the simulator (`simulator`) both implement it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class CameraSource(Protocol):
    name: str

    def open(self) -> None: ...

    def read_preview(self) -> np.ndarray | None: ...

    def capture_still(self) -> np.ndarray: ...

    def close(self) -> None: ...

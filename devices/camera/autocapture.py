"""Auto-capture: fire once when a page has lain still, re-arm only after it changes.

Still = every corner moved less than 0.6 % of the diagonal since the last preview
frame and the picture changed by less than a few grey levels, for N frames in a row.
After a capture the trigger waits until the page is removed, moved by more than 8 %
of the diagonal, or the scene changed a lot (a hand, a page swap); and it never
fires twice for the same page lying in the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.page_detect import ACCEPT_CONFIDENCE, Detection

THUMB_WIDTH = 160


def thumbnail(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (THUMB_WIDTH, max(1, int(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    return cv2.GaussianBlur(gray, (3, 3), 0).astype(np.float32)


def _normalised_corners(detection: Detection) -> np.ndarray:
    w, h = detection.image_size
    return detection.corners / float(np.hypot(w, h))


@dataclass
class TriggerState:
    armed: bool = True
    still_count: int = 0
    absent_count: int = 0


class StillTrigger:
    def __init__(self, stable_frames: int = 8, corner_tolerance: float = 0.006, diff_tolerance: float = 4.0,
                 rearm_move: float = 0.08, rearm_change: float = 30.0,
                 min_confidence: float = ACCEPT_CONFIDENCE) -> None:
        self.stable_frames = stable_frames
        self.corner_tolerance = corner_tolerance
        self.diff_tolerance = diff_tolerance
        self.rearm_move = rearm_move
        self.rearm_change = rearm_change
        self.min_confidence = min_confidence
        self.state = TriggerState()
        self._last_corners: np.ndarray | None = None
        self._last_thumb: np.ndarray | None = None
        self._captured_corners: np.ndarray | None = None
        self._captured_thumb: np.ndarray | None = None

    @property
    def armed(self) -> bool:
        return self.state.armed

    @property
    def progress(self) -> float:
        """0..1 towards the next capture (for a progress ring on screen)."""
        return min(1.0, self.state.still_count / self.stable_frames) if self.state.armed else 0.0

    def reset(self) -> None:
        self.__init__(self.stable_frames, self.corner_tolerance, self.diff_tolerance, self.rearm_move,
                      self.rearm_change, self.min_confidence)

    def _changed_from_capture(self, corners: np.ndarray, thumb: np.ndarray) -> bool:
        if self._captured_corners is None or self._captured_thumb is None:
            return True
        moved = float(np.abs(corners - self._captured_corners).max())
        if moved > self.rearm_move:
            return True
        if thumb.shape != self._captured_thumb.shape:
            return True
        change = float(np.percentile(np.abs(thumb - self._captured_thumb), 95))
        return change > self.rearm_change

    def update(self, frame: np.ndarray, detection: Detection | None) -> bool:
        """Feed one preview frame; True means "take the still now"."""
        thumb = thumbnail(frame)
        previous_thumb, self._last_thumb = self._last_thumb, thumb
        state = self.state
        if detection is None:
            state.still_count = 0
            state.absent_count += 1
            self._last_corners = None
            if not state.armed and state.absent_count >= 2:
                # The page was taken away: whatever comes next is a new page (even
                # the same sheet laid down again for a retake).
                state.armed = True
                self._captured_corners = None
                self._captured_thumb = None
            return False
        state.absent_count = 0
        corners = _normalised_corners(detection)
        previous_corners, self._last_corners = self._last_corners, corners
        if not state.armed:
            if self._changed_from_capture(corners, thumb):
                state.armed = True
                state.still_count = 0
            return False
        steady = (
            previous_corners is not None
            and previous_thumb is not None
            and previous_thumb.shape == thumb.shape
            and float(np.abs(corners - previous_corners).max()) < self.corner_tolerance
            and float(np.mean(np.abs(thumb - previous_thumb))) < self.diff_tolerance
        )
        usable = detection.confidence >= self.min_confidence and not detection.touches_edge
        state.still_count = state.still_count + 1 if steady and usable else 0
        if state.still_count < self.stable_frames:
            return False
        state.still_count = 0
        if not self._changed_from_capture(corners, thumb):
            # Re-armed by a passing hand, but it is still the same page in the same place.
            state.armed = False
            return False
        state.armed = False
        self._captured_corners = corners
        self._captured_thumb = thumb
        return True

    def disarm(self) -> None:
        """Call after a manual capture so the same page is not taken again."""
        self.state.armed = False
        self.state.still_count = 0
        if self._last_corners is not None and self._last_thumb is not None:
            self._captured_corners = self._last_corners
            self._captured_thumb = self._last_thumb

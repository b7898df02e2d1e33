"""Which way is up on a finished page, read from its text lines.

Two steps, both with the ONNX models the `rapidocr-onnxruntime` wheel ships (PP-OCRv4
text detector, PP-OCR mobile 0/180 direction classifier; nothing is fetched at run
time), run by onnxruntime on one thread:

1. the text detector finds the text boxes on a reduced copy of the page; long boxes
   lying across say 0 or 180, long boxes standing up say 90 or 270;
2. each line, cut out and laid across, is classified "reads upright" or "reads
   upside down"; the lines vote, weighted by their length and the classifier's
   confidence.

A page is turned only when the vote is clear (`MIN_LINES` lines and `MIN_AGREEMENT`
of the weight on one side); otherwise the caller leaves it as placed and says so.
Measured against Tesseract's OSD by bench/scan_bench.py --parts upright,orientation.

Known limit: text set in columns (竖排, read top to bottom) looks to these models exactly
like lines lying on their side — the models are trained to read such columns turned a
quarter — so an upright page typeset vertically would be turned a quarter round. Official
documents are set in horizontal lines (GB/T 9704); a traditional certificate may not be.
Telling the two apart needs the glyphs' own way up; the stroke-direction statistic that
separates them for a sans face inverts for a Song face, so it is not used.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import cv2
import numpy as np

_log = logging.getLogger("devices.camera")

# The page is reduced to this long side for the text detector: 4 mm characters on an
# A4 page become ~13 px high, well inside what the detector finds; the detector's cost
# grows with the pixels (measured: ~0.3-0.6 s at 960, 2-4x that at 1280).
DETECT_LONG_SIDE = 960
# A box votes when its long side is at least this many times its short side: a word of
# two Chinese characters (a form's 姓名, 住址) measures ~1.4-1.6, a line 5-25; a lone
# square character or a seal says nothing about the direction of its line.
LINE_ELONGATION = 1.25
# Lines standing up and lines lying across: the winner must carry this much more length.
AXIS_DOMINANCE = 3.0
# The longest lines are classified (cost grows with their number; 30 is plenty to vote).
MAX_LINES = 30
# Pieces a line is cut into for the classifier, and their length over their height.
PIECE_ELONGATION = 4.0
MAX_PIECES_PER_LINE = 3
# A clear vote: at least this many lines, and this share of the weight on one side.
MIN_LINES = 3
MIN_AGREEMENT = 0.8


@dataclass(frozen=True)
class OrientationVote:
    """What the text said: `rotation` clockwise degrees to make the page upright,
    `sure` whether the vote was clear; the figures behind it for benches and logs."""

    rotation: int
    sure: bool
    lines: int = 0  # lines that voted
    agreement: float = 0.0  # share of the vote's weight on the winning side
    axis_ratio: float = 0.0  # length of lines along the winning axis over the other


class _Models:
    """The detector and the classifier, loaded once per process (~0.3 s, ~30 MB)."""

    _lock = threading.Lock()
    _loaded: "_Models | None" = None
    _failed = False

    def __init__(self) -> None:
        from rapidocr_onnxruntime.ch_ppocr_cls import TextClassifier
        from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
        from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
        from rapidocr_onnxruntime.utils import read_yaml
        from rapidocr_onnxruntime.utils.parse_parameters import update_model_path

        config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
        # One thread each: the kiosk's UI and the camera share two cores.
        det = {**config["Det"], "intra_op_num_threads": 1, "inter_op_num_threads": 1,
               "limit_type": "max", "limit_side_len": DETECT_LONG_SIDE}
        cls = {**config["Cls"], "intra_op_num_threads": 1, "inter_op_num_threads": 1}
        self.detector = TextDetector(det)
        self.classifier = TextClassifier(cls)
        self.run_lock = threading.Lock()  # an onnxruntime session is run by one caller at a time here

    @classmethod
    def get(cls) -> "_Models | None":
        with cls._lock:
            if cls._loaded is None and not cls._failed:
                try:
                    cls._loaded = cls()
                except Exception:  # noqa: BLE001 - missing package or model: pages stay as placed
                    cls._failed = True
                    _log.warning("text direction models unavailable: pages are left as placed", exc_info=True)
            return cls._loaded


def models_available() -> bool:
    return _Models.get() is not None


def _reduced(page: np.ndarray) -> np.ndarray:
    if page.ndim == 2:
        page = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    h, w = page.shape[:2]
    scale = DETECT_LONG_SIDE / max(h, w)
    if scale >= 1:
        return page
    return cv2.resize(page, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _line_pieces(image: np.ndarray, box: np.ndarray, standing: bool) -> list[np.ndarray]:
    """The line in `box` cut out straight, laid across (a standing line is turned a
    quarter clockwise, as the page would be) and cut into pieces of about
    `PIECE_ELONGATION` times its height: the classifier squeezes anything longer into
    its 192 x 48 input, and squeezed characters are harder to tell upside down."""
    x0, y0 = np.floor(box.min(axis=0)).astype(int)
    x1, y1 = np.ceil(box.max(axis=0)).astype(int)
    h, w = image.shape[:2]
    crop = image[max(0, y0):min(h, y1 + 1), max(0, x0):min(w, x1 + 1)]
    if standing:
        crop = cv2.rotate(crop, cv2.ROTATE_90_CLOCKWISE)
    height, width = crop.shape[:2]
    if height == 0 or width == 0:
        return []
    count = int(min(MAX_PIECES_PER_LINE, max(1, round(width / (PIECE_ELONGATION * height)))))
    step = width / count
    return [crop[:, int(round(k * step)):int(round((k + 1) * step))] for k in range(count)]


def text_direction(page: np.ndarray) -> OrientationVote | None:
    """The clockwise turn (0/90/180/270) that makes `page` read upright, and whether the
    text said so clearly (a page with no text line: 0, not sure); None when the models
    are not installed."""
    models = _Models.get()
    if models is None:
        return None
    image = _reduced(page)
    with models.run_lock:
        boxes, _ = models.detector(image)
    if boxes is None or len(boxes) == 0:
        return OrientationVote(0, False)
    lines = []  # (length, standing, box)
    across = standing = 0.0
    for box in np.asarray(boxes, np.float32):
        width = float(box[:, 0].max() - box[:, 0].min())
        height = float(box[:, 1].max() - box[:, 1].min())
        if max(width, height) < LINE_ELONGATION * max(1.0, min(width, height)):
            continue
        is_standing = height > width
        length = max(width, height)
        if is_standing:
            standing += length
        else:
            across += length
        lines.append((length, is_standing, box))
    if across == 0 and standing == 0:
        return OrientationVote(0, False)
    vertical = standing > across
    axis_ratio = min(999.0, max(across, standing) / max(1e-6, min(across, standing)))
    chosen = sorted((line for line in lines if line[1] == vertical), key=lambda line: -line[0])[:MAX_LINES]
    crops, weights = [], []
    for length, _, box in chosen:
        pieces = _line_pieces(image, box, vertical)
        crops += pieces
        weights += [length / max(1, len(pieces))] * len(pieces)
    if not crops:
        return OrientationVote(0, False)
    with models.run_lock:
        _, labels, _ = models.classifier(crops)
    upright = flipped = 0.0
    for weight_of_piece, (label, score) in zip(weights, labels):
        weight = weight_of_piece * max(0.0, 2 * float(score) - 1)  # 0.5 = the classifier cannot tell
        if str(label) == "180":
            flipped += weight
        else:
            upright += weight
    total = upright + flipped
    agreement = max(upright, flipped) / total if total > 0 else 0.0
    upside_down = flipped > upright
    rotation = (90 if vertical else 0) + (180 if upside_down else 0)
    sure = axis_ratio >= AXIS_DOMINANCE and len(chosen) >= MIN_LINES and agreement >= MIN_AGREEMENT
    return OrientationVote(rotation, sure, len(chosen), agreement, axis_ratio)

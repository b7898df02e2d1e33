"""Turn a detected page into a finished, upright, legible JPEG, and judge its quality.

Steps: pick the page class from the aspect ratio (and size, when the platen scale is
known); warp to that class at a fixed resolution (A4/A5 at 200 dpi, ID card at 300
dpi); turn it upright; flatten the lighting by dividing by a background estimate and
set levels, per channel so a red seal stays red; gate on blur, glare, cut-off, size
and bend; read bar/QR codes; encode JPEG with the dpi recorded in its header.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from dataclasses import dataclass, field

import cv2
import numpy as np

from devices.camera import messages_zh as zh
from devices.camera.page_detect import ACCEPT_CONFIDENCE, Detection

_log = logging.getLogger("devices.camera")


@dataclass(frozen=True)
class PageClass:
    name: str
    width_mm: float  # upright (portrait for paper, landscape for the ID card)
    height_mm: float
    dpi: int

    @property
    def aspect(self) -> float:
        return max(self.width_mm, self.height_mm) / min(self.width_mm, self.height_mm)

    def size_px(self) -> tuple[int, int]:
        return (int(round(self.width_mm / 25.4 * self.dpi)), int(round(self.height_mm / 25.4 * self.dpi)))


A4 = PageClass("A4", 210.0, 297.0, 200)
A5 = PageClass("A5", 148.0, 210.0, 200)
ID_CARD = PageClass("ID-1", 85.6, 54.0, 300)
SLIP_DPI = 200
ASPECT_TOLERANCE = 0.07


@dataclass(frozen=True)
class QualityProblem:
    code: str
    message_zh: str
    message_en: str


PROBLEMS = {
    "blurry": (zh.BLURRY, "page is blurred"),
    "glare": (zh.GLARE, "glare on the page"),
    "cut_off": (zh.CUT_OFF, "page is cut off by the frame edge"),
    "too_small": (zh.TOO_SMALL, "page is too small in the frame"),
    "not_flat": (zh.NOT_FLAT, "page is curled or folded"),
    "unsure_edges": (zh.REPLACE_PAGE, "page edges are uncertain"),
}
# Order of importance when several problems occur: the first is shown.
PROBLEM_ORDER = ("cut_off", "too_small", "not_flat", "glare", "blurry", "unsure_edges")


def problem(code: str, detail: str = "") -> QualityProblem:
    message_zh, message_en = PROBLEMS[code]
    return QualityProblem(code, message_zh, message_en + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class DecodedCode:
    format: str
    text: str

    def __repr__(self) -> str:  # code text may carry personal data
        return f"DecodedCode({self.format}, {len(self.text)} chars)"


@dataclass(frozen=True, repr=False)
class FinishedPage:
    jpeg_bytes: bytes
    page_class: str
    quality_problems: tuple[QualityProblem, ...]
    codes: tuple[DecodedCode, ...]
    size_px: tuple[int, int] = (0, 0)
    dpi: int = 200
    rotation: int = 0  # degrees turned clockwise to make it upright
    # False: the text did not say clearly which way is up, so the page was left as it
    # lay (staff may need to turn it); True: turned (or kept) by its text or QR code.
    orientation_confident: bool = False
    mode: str = "document"
    sharpness: float | None = None
    image: np.ndarray | None = field(default=None, compare=False)  # the finished BGR page

    @property
    def ok(self) -> bool:
        return not self.quality_problems

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg_bytes).hexdigest()

    def __repr__(self) -> str:  # pages may show an ID card: never their content
        problems = ",".join(p.code for p in self.quality_problems) or "ok"
        return (f"FinishedPage({self.page_class} {self.size_px[0]}x{self.size_px[1]} @{self.dpi}dpi, "
                f"{len(self.jpeg_bytes) // 1024} kB, {problems}, {len(self.codes)} code(s))")


# --------------------------------------------------------------------------- geometry

def _side_lengths(corners: np.ndarray) -> tuple[float, float]:
    """Mean width (top/bottom) and height (left/right) of a clockwise quad."""
    c = corners.astype(np.float64)
    width = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
    height = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
    return float(width), float(height)


def classify_page(detection: Detection, platen_width_mm: float = 0.0) -> PageClass:
    """The page class from the measured aspect ratio (and size if the platen scale is known)."""
    width, height = _side_lengths(detection.corners)
    long_px, short_px = max(width, height), min(width, height)
    aspect = long_px / max(short_px, 1e-6)
    mm_per_px = platen_width_mm / detection.image_size[0] if platen_width_mm > 0 else 0.0
    if abs(aspect - ID_CARD.aspect) <= ASPECT_TOLERANCE and (mm_per_px == 0 or long_px * mm_per_px < 120):
        return ID_CARD
    if abs(aspect - A4.aspect) <= ASPECT_TOLERANCE:
        if mm_per_px and long_px * mm_per_px < 250:
            return A5
        return A4
    if mm_per_px:
        long_mm, short_mm = long_px * mm_per_px, short_px * mm_per_px
    else:
        # Unknown scale: give the slip the A4 short side so small print stays legible.
        short_mm = 105.0
        long_mm = short_mm * aspect
    long_mm = min(long_mm, 420.0)
    short_mm = min(short_mm, 297.0)
    return PageClass("slip", short_mm, long_mm, SLIP_DPI)


def warp_page(image: np.ndarray, corners: np.ndarray, page_class: PageClass) -> np.ndarray:
    """Perspective-warp the quad to the class size, keeping the orientation it lies in."""
    width, height = _side_lengths(corners)
    w_px, h_px = page_class.size_px()
    portrait_class = h_px >= w_px
    if (height >= width) != portrait_class:
        w_px, h_px = h_px, w_px
    # Pixel-centre convention: the page edge lies half a pixel outside the outer pixels.
    target = np.array([(-0.5, -0.5), (w_px - 0.5, -0.5), (w_px - 0.5, h_px - 0.5), (-0.5, h_px - 0.5)], np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (w_px, h_px), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


# --------------------------------------------------------------------------- orientation

def thumbnail(page: np.ndarray, width: int = 400) -> np.ndarray:
    """One small copy of the page shared by the cheap whole-page measures."""
    h, w = page.shape[:2]
    return cv2.resize(page, (width, max(1, int(round(h * width / w)))), interpolation=cv2.INTER_AREA)


# Which way is up, by the page's text lines (page_orient: RapidOCR's ONNX text detector
# and 0/180 line classifier) and, when the page carries one, a QR code's finder
# patterns. Chosen over Tesseract's OSD (what make_page used before), both measured on
# the same pages by bench/scan_bench.py --parts upright,orientation: on 96 rotated 12 MP
# stills (6 kinds x 4 turns, half set in a Song face) OSD turned 79 % upright and left
# 27 % unsure (forms, ID copies and cards: too little running text for it) at a median
# 1.0 s (p90 2.5 s) of CPU; text lines + QR turned 100 % upright, none wrong, none
# unsure, at 0.57 s (p90 0.70 s); text lines alone (a form without its QR code) 100 %
# upright with 4 % unsure. None was turned the wrong way by either.


def qr_rotation(codes_turns: list[int]) -> int | None:
    """The clockwise turn that makes the page upright according to its QR codes, None
    when there is none or they disagree. A QR code printed on a document stands
    upright with it (its three finder patterns say exactly which way it lies)."""
    turns = {turn for turn in codes_turns}
    return turns.pop() if len(turns) == 1 else None


def upright_rotation(page: np.ndarray, page_class: PageClass, by_text: bool = True,
                     qr_turns: list[int] | None = None) -> tuple[int, bool]:
    """(clockwise degrees 0/90/180/270 that turn the page upright, whether we are sure).

    Decided by the page's text lines and its QR codes (`qr_turns`: the turn each QR
    code found on the page asks for). Text and code must not disagree. When neither
    says clearly, the page is left as it was placed and reported as not sure — a guess
    would turn a correctly placed page upside down as often as it fixes a wrong one.
    The ID card is read landscape, so a card seen portrait is at least turned on its side.
    """
    from devices.camera.page_orient import text_direction

    vote = text_direction(page) if by_text else None
    by_code = qr_rotation(qr_turns or []) if by_text else None
    if vote is not None and vote.sure:
        if by_code is None or by_code == vote.rotation:
            return vote.rotation, True
        _log.info("text lines (%d deg) and QR code (%d deg) disagree: page left as placed", vote.rotation, by_code)
    elif by_code is not None:
        return by_code, True
    if page_class is ID_CARD and page.shape[0] > page.shape[1]:
        return 90, False
    return 0, False


def rotate(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[degrees_clockwise]) if degrees_clockwise in codes else image


# --------------------------------------------------------------------------- enhancement

def _background_estimate(page: np.ndarray, thumb: np.ndarray | None = None) -> np.ndarray:
    """The lighting on the paper, as a smooth quadratic surface per channel.

    Fitted only to paper-coloured samples, so a photo on an ID card or a dark stamp
    is not mistaken for shade and washed out; smooth enough to follow a light
    fall-off or the shadow of the camera arm.
    """
    h, w = page.shape[:2]
    small_w = 64
    small_h = max(2, int(round(h * small_w / w)))
    small = cv2.resize(thumb if thumb is not None else page, (small_w, small_h),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    # A max filter lifts print to the paper around it.
    paperish = cv2.dilate(small, np.ones((3, 3), np.uint8))
    brightness = paperish.mean(axis=2) if paperish.ndim == 3 else paperish
    ys, xs = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    xs = xs / small_w - 0.5
    ys = ys / small_h - 0.5
    design = np.stack([np.ones_like(xs), xs, ys, xs * xs, xs * ys, ys * ys], axis=-1).reshape(-1, 6)
    keep = (brightness >= np.percentile(brightness, 45)).ravel()
    channels = paperish.reshape(-1, paperish.shape[2] if paperish.ndim == 3 else 1)
    surface = np.empty((small_h * small_w, channels.shape[1]), np.float32)
    for c in range(channels.shape[1]):
        coef, *_ = np.linalg.lstsq(design[keep], channels[keep, c], rcond=None)
        # Second pass: drop samples far below the surface (large dark areas).
        fitted = design @ coef
        residual = channels[:, c] - fitted
        keep_c = keep & (residual > -12)
        if keep_c.sum() > 12:
            coef, *_ = np.linalg.lstsq(design[keep_c], channels[keep_c, c], rcond=None)
        surface[:, c] = design @ coef
    surface = np.clip(surface.reshape(small_h, small_w, -1), 1, 255).astype(np.uint8)
    if page.ndim == 2:
        surface = surface[..., 0]
    # uint8 all the way: the division below is then a fast saturating cv2 op.
    return cv2.resize(surface, (w, h), interpolation=cv2.INTER_LINEAR)


def colour_share(page: np.ndarray, thumb: np.ndarray | None = None) -> float:
    source = thumb if thumb is not None else page
    small = cv2.resize(source, (200, max(1, int(source.shape[0] * 200 / source.shape[1]))),
                       interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    return float(((hsv[..., 1] > 80) & (hsv[..., 2] > 60)).mean())


def enhance(page: np.ndarray, mode: str = "auto", black: int = 40, white: int = 225,
            thumb: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """Flatten lighting and set levels; returns (image, mode used)."""
    if mode == "auto":
        mode = "photo" if colour_share(page, thumb) > 0.2 else "document"
    if mode == "photo":
        low, high = np.percentile(page[::4, ::4], (1, 99.5))
        scale = 255.0 / max(1.0, high - low)
        return cv2.convertScaleAbs(page, alpha=scale, beta=-low * scale), mode
    background = _background_estimate(page, thumb)
    flat = cv2.divide(page, background, scale=255.0)
    lut = np.clip((np.arange(256, dtype=np.float32) - black) * 255.0 / (white - black), 0, 255).astype(np.uint8)
    levelled = cv2.LUT(flat, lut)
    if mode in ("gray", "bw"):
        gray = cv2.cvtColor(levelled, cv2.COLOR_BGR2GRAY)
        if mode == "bw":
            gray = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15)
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), mode
    return levelled, "document" if mode in ("document", "colour") else mode


# --------------------------------------------------------------------------- quality

def sharpness(page: np.ndarray, page_width_mm: float) -> float | None:
    """Edge acutance at 100 dpi: steepest slope over local contrast, ~1/(σ·2.5) for blur σ px.

    Unlike the variance of the Laplacian it does not depend on how much text the
    page carries. None when the page has no contrasty edge to judge by (blank page).
    """
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    h, w = gray.shape
    target_w = max(64, int(page_width_mm / 25.4 * 100))
    small = cv2.resize(gray, (target_w, max(1, int(h * target_w / w))), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, scale=1 / 8)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, scale=1 / 8)
    slope = cv2.magnitude(gx, gy)
    # The window must span a blurred step (σ up to ~4 px here) to see its full contrast.
    kernel = np.ones((11, 11), np.uint8)
    contrast = cv2.dilate(small, kernel) - cv2.erode(small, kernel)
    top = float(np.percentile(contrast, 99))
    if top < 25:
        return None
    selected = contrast >= max(25.0, 0.5 * top)
    if selected.sum() < 50:
        return None
    slopes = slope[selected]
    steepest = slopes >= np.percentile(slopes, 90)
    return float(np.median(slopes[steepest] / contrast[selected][steepest]))


def glare_fraction(page: np.ndarray, thumb: np.ndarray | None = None) -> float:
    """Share of the page under a reflection: a hot spot where the paper itself (print
    removed) is blown out while the sheet as a whole is not.

    A sheet that is at white all over is over-exposed, not reflecting: not reported.
    """
    small = thumb if thumb is not None else thumbnail(page)
    lowest = small.min(axis=2) if small.ndim == 3 else small
    # A small max filter lifts thin print to the paper level around it.
    level = cv2.GaussianBlur(cv2.dilate(lowest, np.ones((5, 5), np.uint8)), (0, 0), 1.0)
    typical = float(np.median(level))
    if typical >= 240:
        return 0.0
    hot = (level >= max(245.0, typical + 15)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(hot, connectivity=8)
    if count <= 1:
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA].max()) / hot.size


def page_width_mm(warped: np.ndarray, page_class: PageClass) -> float:
    """Physical width of the warped image (its orientation may be either way)."""
    return warped.shape[1] / page_class.dpi * 25.4


def quality_problems(detection: Detection, warped: np.ndarray, page_class: PageClass, min_sharpness: float = 0.22,
                     min_page_fraction: float = 0.02,
                     thumb: np.ndarray | None = None) -> tuple[tuple[QualityProblem, ...], float | None]:
    found = []
    if detection.touches_edge:
        found.append(problem("cut_off"))
    if detection.area_fraction < min_page_fraction:
        found.append(problem("too_small", f"{100 * detection.area_fraction:.1f}% of the frame"))
    if detection.bend > 0.03:  # a bow of 3 % of the side: ~6 mm across an A4 sheet
        found.append(problem("not_flat", f"sides bow {100 * detection.bend:.1f}%"))
    glare = glare_fraction(warped, thumb)
    if glare > 0.002:
        found.append(problem("glare", f"{100 * glare:.1f}% of the page"))
    width_mm = page_width_mm(warped, page_class)
    score = sharpness(warped, width_mm)
    # A blank page has nothing to judge sharpness by (score None): accept it.
    if score is not None and score < min_sharpness:
        found.append(problem("blurry", f"sharpness {score:.3f} < {min_sharpness:.3f}"))
    if detection.confidence < ACCEPT_CONFIDENCE:
        # Not sure where the page is: the warp may have cut it or taken in a thumb.
        found.append(problem("unsure_edges", f"confidence {detection.confidence:.2f} < {ACCEPT_CONFIDENCE}"))
    found.sort(key=lambda p: PROBLEM_ORDER.index(p.code))
    return tuple(found), score


# --------------------------------------------------------------------------- codes, JPEG

def read_codes(page: np.ndarray) -> tuple[DecodedCode, ...]:
    """Bar and QR codes on the finished page (zxing-cpp)."""
    return read_codes_and_turns(page)[0]


# Code formats whose symbol has one way up that is printed upright with the page.
_ORIENTED_FORMATS = ("QRCode", "MicroQRCode", "RMQRCode")  # zxingcpp.BarcodeFormat names


def read_codes_and_turns(page: np.ndarray) -> tuple[tuple[DecodedCode, ...], list[int]]:
    """The bar and QR codes on `page` (zxing-cpp), and for each QR code the clockwise
    turn (0/90/180/270) that would stand it — and so the page — upright.

    Read first at half size (100 dpi: ~20 ms, enough for QR codes and most bar codes),
    and only when nothing is found once more at full size without the slow
    inverted/downscaled retries (~50 ms) for fine 1-D bars. Which way a code lies does
    not change what it says, so the codes of a page are read once, before it is turned.
    """
    import zxingcpp

    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    half = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    results = zxingcpp.read_barcodes(half)
    if not results:
        results = zxingcpp.read_barcodes(gray, try_invert=False, try_downscale=False)
    oriented = {getattr(zxingcpp.BarcodeFormat, name) for name in _ORIENTED_FORMATS
                if hasattr(zxingcpp.BarcodeFormat, name)}
    codes = []
    turns = []
    seen = set()
    for result in results:
        name = str(result.format).split(".")[-1]
        if result.format in oriented:
            # zxing-cpp gives the code's own turn in degrees (clockwise, -90 for 270).
            turns.append((360 - 90 * int(round(float(result.orientation) / 90))) % 360)
        key = (str(result.format), result.text)
        if key in seen:
            continue
        seen.add(key)
        codes.append(DecodedCode(name, result.text))
    return tuple(codes), turns


def set_jpeg_dpi(jpeg: bytes, dpi: int) -> bytes:
    """Write `dpi` into the JFIF header (no re-encode) so PDF pages get their real size."""
    if jpeg[:4] == b"\xff\xd8\xff\xe0" and jpeg[6:11] == b"JFIF\x00":
        return jpeg[:13] + struct.pack(">BHH", 1, dpi, dpi) + jpeg[18:]
    segment = b"JFIF\x00\x01\x01" + struct.pack(">BHH", 1, dpi, dpi) + b"\x00\x00"
    return jpeg[:2] + b"\xff\xe0" + struct.pack(">H", len(segment) + 2) + segment + jpeg[2:]


def encode_jpeg(image: np.ndarray, quality: int = 85, dpi: int = 200) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return set_jpeg_dpi(buffer.tobytes(), dpi)


def make_page(image: np.ndarray, detection: Detection, *, mode: str = "auto", jpeg_quality: int = 85,
              platen_width_mm: float = 0.0, min_sharpness: float = 0.22, min_page_fraction: float = 0.02,
              codes: bool = True, page_class: PageClass | None = None,
              upright_by_text: bool = True) -> FinishedPage:
    """Warp, turn upright, enhance, gate and encode the page `detection` found in `image`.

    `upright_by_text=False` skips reading which way is up (page_orient: ~0.3-1 s of one
    core per page): the page is left as placed, `orientation_confident` False.

    `detection` may come from a smaller image (the preview): it is scaled to `image`.
    The page is always returned; `quality_problems` says whether to ask for a retake.
    """
    height, width = image.shape[:2]
    if detection.image_size != (width, height):
        detection = detection.scaled(width, height)
    page_class = page_class or classify_page(detection, platen_width_mm)
    warped = warp_page(image, detection.corners, page_class)
    thumb = thumbnail(warped)
    problems, score = quality_problems(detection, warped, page_class, min_sharpness, min_page_fraction, thumb)
    enhanced, used_mode = enhance(warped, "document" if mode == "colour" else mode, thumb=thumb)
    found_codes, qr_turns = read_codes_and_turns(enhanced) if codes else ((), [])
    # Orientation is read on the enhanced page: flat lighting and clean levels.
    rotation, orientation_confident = upright_rotation(enhanced, page_class, by_text=upright_by_text,
                                                       qr_turns=qr_turns)
    finished = rotate(enhanced, rotation)
    jpeg = encode_jpeg(finished, jpeg_quality, page_class.dpi)
    return FinishedPage(
        jpeg_bytes=jpeg,
        page_class=page_class.name,
        quality_problems=problems,
        codes=found_codes,
        size_px=(finished.shape[1], finished.shape[0]),
        dpi=page_class.dpi,
        rotation=rotation,
        orientation_confident=orientation_confident,
        mode=used_mode,
        sharpness=score,
        image=finished,
    )

"""Find the page on the platen: four corners and a confidence.

The camera and the platen never move, so when an empty-platen reference is known the
page is simply what differs from it (after a gain correction for auto-exposure).
Without a reference, several cheap candidate masks are tried (distance from the
border colour, paper-like pixels, Otsu on grey, closed edges). Every candidate quad is
then refined the same way: each side is re-fitted as a straight line through the
strongest edge found along short profiles across it, skipping the parts nearest the
corners (fingers, rounded ID-card corners). The candidate whose sides have the best
edge support wins. On a still the winning quad is refined again at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

WORK_WIDTH = 640
# Parts of each side ignored by the refinement (corners are often occluded or rounded).
SIDE_MARGIN = 0.08
MIN_AREA_FRACTION = 0.012
MAX_AREA_FRACTION = 0.97
# Sides bowing more than this (fraction of their length) are not a sheet of paper.
MAX_BEND = 0.06
# A page held by hand or photographed with a phone is seen at an angle. The quad must be
# what a rectangle looks like when tilted by at most this much from face-on (tilt
# implied by the quad, see `implied_tilt_deg`): handheld photos in the field trial were
# rejected by the old "corners 73-107°" rule; 45° of real tilt implies at most 42.7° on
# synthetic tilted pages (phone-like lens), while a diamond standing on its corner
# (a rhombus of 64°/116°) implies 51°.
MAX_TILT_DEG = 48.0
# No quad is better than a wrong one: a detection below this confidence is shown as
# "not sure" and never captured (StillTrigger, make_page's quality gate, the CLI).
# Chosen on bench/scan_bench.py --quick --parts cases (seed 2026, 60 frames at 1920x1080
# over standard/tilt/curl+torn/hand/rotated), wrong-quad / missed rate by threshold:
# 0.45-0.60 -> 0.0 % / 0.0 %, 0.65-0.75 -> 0.0 % / 1.7 % (today's detector: 0.0 % /
# 5.0-6.7 %). In a 40-frame hand-over-the-edge run, the one quad with the thumb inside
# had 0.70 before a hidden edge counted against the score, 0.38 after. 0.6 is the
# highest threshold that misses nothing here, and the old gate's value.
ACCEPT_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Detection:
    """A page found in an image. `corners` are image pixels, clockwise from top-left."""

    corners: np.ndarray
    confidence: float
    image_size: tuple[int, int]  # (width, height)
    touches_edge: bool = False
    # Worst distance of the edge points from their fitted side, as a fraction of the
    # side length: large when the page is curled or folded.
    bend: float = 0.0
    method: str = ""
    side_support: tuple[float, ...] = field(default=(), compare=False)

    @property
    def area_fraction(self) -> float:
        w, h = self.image_size
        return float(cv2.contourArea(self.corners.astype(np.float32)) / (w * h))

    def scaled(self, width: int, height: int) -> "Detection":
        """The same detection for an image of another size (preview → still)."""
        sx = width / self.image_size[0]
        sy = height / self.image_size[1]
        corners = self.corners * np.array([sx, sy], np.float32)
        return Detection(corners.astype(np.float32), self.confidence, (width, height), self.touches_edge,
                         self.bend, self.method, self.side_support)

    @property
    def accepted(self) -> bool:
        """Sure enough to capture: confidence at or above ACCEPT_CONFIDENCE."""
        return self.confidence >= ACCEPT_CONFIDENCE

    def as_dict(self) -> dict:
        return {
            "corners": [[round(float(x), 1), round(float(y), 1)] for x, y in self.corners],
            "confidence": round(float(self.confidence), 3),
            "image_size": list(self.image_size),
            "touches_edge": self.touches_edge,
            "area_fraction": round(self.area_fraction, 4),
            "method": self.method,
            "accepted": self.accepted,
        }


class PlatenReference:
    """The empty platen as the camera sees it, kept small (640 px wide).

    Not stored between runs: the capture service learns it afresh within seconds of an
    empty platen, and one saved before the camera, mat or lighting moved would make
    the reference method see pages that are not there.
    """

    def __init__(self, image: np.ndarray) -> None:
        small = _resize_to_width(image, WORK_WIDTH)
        self.small = cv2.GaussianBlur(small, (5, 5), 0).astype(np.float32)
        self.source_size = (image.shape[1], image.shape[0])

    def matches(self, image: np.ndarray) -> bool:
        """True when `image` has the reference's aspect ratio (same camera, same mode)."""
        h, w = image.shape[:2]
        rw, rh = self.source_size
        return abs(w / h - rw / rh) < 0.02


def _resize_to_width(image: np.ndarray, width: int) -> np.ndarray:
    """The one route from any input resolution down to the working width.

    A single area resize, whatever the size: the field trial found a 4160x3120 photo
    (which went through extra pyramid halvings first) detected twice the page's size
    while the same photo at 2560 px was right. One route means the detector sees the
    same small image, with the same blur and noise, from every camera mode; an area
    resize of a 12 MP still costs ~25 ms, no more than the halvings did.
    """
    h, w = image.shape[:2]
    if w == width:
        return image
    height = max(1, int(round(h * width / w)))
    interpolation = cv2.INTER_AREA if w > width else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def order_clockwise(points: np.ndarray) -> np.ndarray:
    """Four points clockwise (image y down), starting with the one nearest the top-left."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # increasing angle = clockwise on screen
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0)


# --------------------------------------------------------------------------- candidates

def _quad_from_contour(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    if len(hull) < 4:
        return None
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.045, 0.06, 0.08):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return order_clockwise(approx.reshape(4, 2))
        if len(approx) < 4:
            break
    box = cv2.boxPoints(cv2.minAreaRect(hull))
    return order_clockwise(box)


def _mask_quads(mask: np.ndarray, max_regions: int = 2) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area_min = MIN_AREA_FRACTION * mask.shape[0] * mask.shape[1]
    contours = sorted((c for c in contours if cv2.contourArea(c) > area_min), key=cv2.contourArea, reverse=True)
    quads = []
    for contour in contours[:max_regions]:
        quad = _quad_from_contour(contour)
        if quad is not None:
            quads.append(quad)
    return quads


def _clean(mask: np.ndarray, size: int = 5) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)


def _border_pixels(image: np.ndarray, fraction: float = 0.03) -> np.ndarray:
    h, w = image.shape[:2]
    b = max(2, int(fraction * min(h, w)))
    parts = [image[:b].reshape(-1, image.shape[2]), image[-b:].reshape(-1, image.shape[2]),
             image[:, :b].reshape(-1, image.shape[2]), image[:, -b:].reshape(-1, image.shape[2])]
    return np.concatenate(parts, axis=0)


def _reference_masks(small_blur: np.ndarray, reference: PlatenReference) -> list[np.ndarray]:
    """Masks of what differs from the empty platen, at three thresholds."""
    ref = reference.small
    if ref.shape != small_blur.shape:
        ref = cv2.resize(ref, (small_blur.shape[1], small_blur.shape[0]), interpolation=cv2.INTER_AREA)
    frame = small_blur.astype(np.float32)
    # Auto-exposure moves the whole frame: correct the gain on the border (mostly platen).
    border_f = _border_pixels(frame, 0.05)
    border_r = _border_pixels(ref, 0.05)
    gain = np.median(border_f, axis=0) / np.maximum(np.median(border_r, axis=0), 1.0)
    diff = np.abs(frame - ref * gain).max(axis=2)
    smooth = cv2.blur(diff, (7, 7))
    noise = float(np.median(_border_pixels(smooth[..., None], 0.05)))
    masks = []
    # White paper on a white desk differs from the reference by only a few levels:
    # the lowest threshold sits just above the platen's own (smoothed) noise.
    for threshold in (max(4.0, 3 * noise + 1.5), max(14.0, 3 * noise + 8), max(30.0, 5 * noise + 16)):
        masks.append(_clean((smooth > threshold).astype(np.uint8) * 255, 7))
    return masks


def _free_masks(small_blur: np.ndarray) -> list[np.ndarray]:
    masks = []
    lab = cv2.cvtColor(small_blur, cv2.COLOR_BGR2LAB).astype(np.float32)
    border = _border_pixels(lab, 0.03)
    centre = np.median(border, axis=0)
    spread = np.median(np.abs(border - centre), axis=0) + np.array([3.0, 2.0, 2.0])
    # The colour distance from the border's look, in OpenCV's vectorised calls: the same
    # sum as numpy's sqrt((((lab - centre) / spread) ** 2).sum(axis=2)) at a fifth of the
    # time (16 -> 3 ms per preview frame at 640 px), which every preview frame pays.
    scaled = cv2.multiply(cv2.subtract(lab, (*map(float, centre), 0.0)), (*(1.0 / spread), 0.0))
    distance = cv2.sqrt(cv2.transform(cv2.multiply(scaled, scaled), np.ones((1, 3), np.float32)))
    d8 = np.clip(distance * 8, 0, 255).astype(np.uint8)
    _, otsu = cv2.threshold(d8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(_clean(otsu))
    masks.append(_clean((d8 > 48).astype(np.uint8) * 255))
    # Paper is bright and unsaturated.
    hsv = cv2.cvtColor(small_blur, cv2.COLOR_BGR2HSV)
    paper = cv2.subtract(hsv[..., 2], cv2.multiply(hsv[..., 1], np.full_like(hsv[..., 1], 2)))
    _, paper_mask = cv2.threshold(paper, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(_clean(paper_mask))
    gray = cv2.cvtColor(small_blur, cv2.COLOR_BGR2GRAY)
    # Closed edges; the low-threshold pass catches white paper on a white desk.
    for low, high, grow in ((20, 60, 3), (8, 24, 5)):
        edges = cv2.Canny(gray, low, high)
        edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (grow, grow)))
        contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(gray)
        cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
        masks.append(cv2.erode(filled, cv2.getStructuringElement(cv2.MORPH_RECT, (grow, grow))))
    return masks


# --------------------------------------------------------------------------- refinement

@dataclass
class _SideFit:
    point: np.ndarray  # a point on the fitted line
    direction: np.ndarray  # unit vector along the side
    support: float  # 0..1, share of profiles with a clear edge on the line
    bend: float  # worst residual / side length
    refined: bool
    border: bool = False  # lies along the frame edge: left as proposed, not a failure


def _sample(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    values = cv2.remap(image, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
    if values.ndim == 3:
        values = values.astype(np.float32).mean(axis=2)
    return values.astype(np.float32)


def _fit_side(image: np.ndarray, p0: np.ndarray, p1: np.ndarray, radius: float, rows: int,
              smooth: float, noise_floor: float) -> _SideFit:
    length = float(np.linalg.norm(p1 - p0))
    t = (p1 - p0) / max(length, 1e-6)
    normal = np.array([t[1], -t[0]], np.float32)  # outward for clockwise quads
    steps = max(9, int(2 * radius) + 1)
    offsets = np.linspace(-radius, radius, steps, dtype=np.float32)
    fractions = np.linspace(SIDE_MARGIN, 1 - SIDE_MARGIN, rows, dtype=np.float32)
    base = p0[None, :] + (fractions * length)[:, None] * t[None, :]
    xs = base[:, 0:1] + offsets[None, :] * normal[0]
    ys = base[:, 1:2] + offsets[None, :] * normal[1]
    profiles = _sample(image, xs, ys)
    step = offsets[1] - offsets[0]
    sigma = max(0.6, smooth / step)
    profiles = cv2.GaussianBlur(profiles, (0, 0), sigmaX=sigma, sigmaY=0.8)
    derivative = np.diff(profiles, axis=1)
    mean_derivative = derivative.mean(axis=0)
    magnitude = np.abs(mean_derivative)
    # Print inside the page (photos, tables, borders) can out-shine a faint paper edge:
    # of the strong peaks, take the one nearest the proposed side.
    is_peak = np.r_[True, magnitude[1:] >= magnitude[:-1]] & np.r_[magnitude[:-1] >= magnitude[1:], True]
    floor = max(0.08 * float(magnitude.max()), 3.0 * float(np.median(magnitude)), 0.5 * noise_floor)
    strong = np.flatnonzero(is_peak & (magnitude >= floor))
    centre_index = (steps - 2) / 2
    peak = int(strong[np.argmin(np.abs(strong - centre_index))]) if len(strong) else int(np.argmax(magnitude))
    sign = 1.0 if mean_derivative[peak] >= 0 else -1.0
    signed = derivative * sign
    window = max(2, steps // 8)
    lo, hi = max(0, peak - window), min(signed.shape[1], peak + window + 1)
    local = signed[:, lo:hi]
    idx = np.argmax(local, axis=1)
    strength = local[np.arange(rows), idx]
    # Sub-pixel peak by a parabola through the neighbours.
    left = local[np.arange(rows), np.clip(idx - 1, 0, local.shape[1] - 1)]
    right = local[np.arange(rows), np.clip(idx + 1, 0, local.shape[1] - 1)]
    denom = left - 2 * strength + right
    frac = np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    frac = np.clip(frac, -0.5, 0.5)
    position = (lo + idx + frac + 0.5) * step - radius  # diff sits between samples
    threshold = max(noise_floor, 0.35 * float(np.median(strength)))
    good = strength > threshold
    points = base + position[:, None] * normal[None, :]
    if good.sum() < max(4, rows // 4):
        return _SideFit(p0.copy(), t, float(good.mean()) * 0.5, 1.0, False)
    pts = points[good]
    for _ in range(3):
        centre = pts.mean(axis=0)
        _, _, vt = np.linalg.svd(pts - centre, full_matrices=False)
        direction = vt[0]
        n = np.array([direction[1], -direction[0]])
        residual = (pts - centre) @ n
        mad = float(np.median(np.abs(residual))) + 0.15 * step
        keep = np.abs(residual) <= 3.0 * mad + 0.5 * step
        if keep.all() or keep.sum() < 4:
            break
        pts = pts[keep]
    centre = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - centre, full_matrices=False)
    direction = vt[0].astype(np.float32)
    if float(direction @ t) < 0:
        direction = -direction
    n = np.array([direction[1], -direction[0]])
    residual = (pts - centre) @ n
    # A curled page bows its sides while the corners stay put: fit a bow across the
    # side and, when it is clearly there, use the chord between its ends instead of
    # the line through the middle.
    u = ((pts - p0) @ t) / max(length, 1e-6)
    design = np.stack([np.ones_like(u), u, 4 * u * (1 - u)], axis=1)
    coef, *_ = np.linalg.lstsq(design, residual, rcond=None)
    fitted = design @ coef
    bow = float(coef[2])
    dof = max(1, len(u) - 3)
    sigma = float(np.sqrt(((residual - fitted) ** 2).sum() / dof))
    try:
        cov = np.linalg.inv(design.T @ design) * sigma ** 2
        bow_error = float(np.sqrt(max(cov[2, 2], 0.0)))
    except np.linalg.LinAlgError:
        bow_error = float("inf")
    point, line_direction = centre, direction
    if abs(bow) > max(3.0 * bow_error, 0.25 * step):
        u0, u1 = -SIDE_MARGIN * 0.0, 1.0
        start = p0 + u0 * length * t
        end = p0 + u1 * length * t
        # Express both chord ends in the fitted line's frame, then shift by the model.
        start = centre + ((start - centre) @ direction) * direction + (coef[0] + coef[1] * u0) * n
        end = centre + ((end - centre) @ direction) * direction + (coef[0] + coef[1] * u1) * n
        chord = end - start
        if np.linalg.norm(chord) > 1e-6:
            point, line_direction = start, (chord / np.linalg.norm(chord)).astype(np.float32)
    residual_all = (points[good] - centre) @ n
    model_all = np.interp(((points[good] - p0) @ t) / max(length, 1e-6), np.sort(u), fitted[np.argsort(u)])
    on_line = np.abs(residual_all - model_all) <= max(1.5 * step, 0.004 * length)
    support = float(on_line.sum()) / rows
    bend = abs(bow) / max(length, 1e-6)
    return _SideFit(np.asarray(point, np.float32), np.asarray(line_direction, np.float32), support, bend, True)


def _intersect(a: _SideFit, b: _SideFit) -> np.ndarray | None:
    matrix = np.array([a.direction, -b.direction], np.float64).T
    if abs(np.linalg.det(matrix)) < 1e-6:
        return None
    s = np.linalg.solve(matrix, (b.point - a.point).astype(np.float64))
    return (a.point + s[0] * a.direction).astype(np.float32)


def _near_border(p0: np.ndarray, p1: np.ndarray, width: int, height: int, margin: float) -> bool:
    for axis, size in ((0, width), (1, height)):
        if p0[axis] < margin and p1[axis] < margin:
            return True
        if p0[axis] > size - 1 - margin and p1[axis] > size - 1 - margin:
            return True
    return False


def refine_quad(image: np.ndarray, quad: np.ndarray, radius: float, rows: int = 40,
                smooth: float = 1.0, noise_floor: float = 1.5,
                ) -> tuple[np.ndarray, list[_SideFit]] | None:
    """Re-fit each side of `quad` to the strongest straight edge within `radius` px."""
    h, w = image.shape[:2]
    border_margin = max(2.0, 0.004 * w)
    fits = []
    for i in range(4):
        p0, p1 = quad[i], quad[(i + 1) % 4]
        if _near_border(p0, p1, w, h, border_margin):
            length = float(np.linalg.norm(p1 - p0))
            t = (p1 - p0) / max(length, 1e-6)
            fits.append(_SideFit(p0.astype(np.float32), t.astype(np.float32), 0.0, 0.0, False, border=True))
            continue
        fits.append(_fit_side(image, p0, p1, radius, rows, smooth, noise_floor))
    corners = []
    for i in range(4):
        corner = _intersect(fits[(i - 1) % 4], fits[i])
        if corner is None:
            return None
        corners.append(corner)
    return np.array(corners, np.float32), fits


# --------------------------------------------------------------------------- scoring

_LIFT = np.geomspace(1e-3, 1e3, 241)


def implied_tilt_deg(quad: np.ndarray) -> float:
    """The least tilt from face-on at which some rectangle would look like `quad`.

    The quad is approximated by the parallelogram of its mean side vectors u, v (the
    affine part of the view). A rectangle seen tilted lifts u and v out of the image
    plane by heights that make them perpendicular in 3-D (u·v + uz·vz = 0); of all such
    lifts, the one whose plane is nearest to face-on gives the answer. A face-on
    rectangle gives 0; a diamond standing on a corner needs a steep tilt.
    """
    q = np.asarray(quad, np.float64).reshape(4, 2)
    u = ((q[1] - q[0]) + (q[2] - q[3])) / 2
    v = ((q[3] - q[0]) + (q[2] - q[1])) / 2
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu < 1e-9 or nv < 1e-9:
        return 90.0
    dot = float(u @ v)
    if abs(dot) < 1e-9 * nu * nv:
        return 0.0
    uz = np.concatenate([_LIFT, -_LIFT]) * np.sqrt(nu * nv)
    vz = -dot / uz
    # Normal of the lifted plane: (u, uz) x (v, vz); its tilt is the angle to the z axis.
    nx = u[1] * vz - uz * v[1]
    ny = uz * v[0] - u[0] * vz
    nz = u[0] * v[1] - u[1] * v[0]
    cos_tilt = np.abs(nz) / np.sqrt(nx * nx + ny * ny + nz * nz)
    return float(np.degrees(np.arccos(min(1.0, float(cos_tilt.max())))))


def quad_is_page_like(quad: np.ndarray, width: int, height: int) -> bool:
    """Reject quads that no sheet of paper, seen from above or at a handheld angle, makes."""
    quad = np.asarray(quad, np.float32)
    if not np.isfinite(quad).all():
        return False
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return False
    area = cv2.contourArea(quad)
    if not (MIN_AREA_FRACTION * width * height <= area <= MAX_AREA_FRACTION * width * height):
        return False
    slack = 0.03 * max(width, height)
    if (quad[:, 0] < -slack).any() or (quad[:, 0] > width + slack).any():
        return False
    if (quad[:, 1] < -slack).any() or (quad[:, 1] > height + slack).any():
        return False
    sides = [float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) for i in range(4)]
    if min(sides) < 0.03 * width:
        return False
    # Perspective shortens the far side; by half only beyond any handheld angle.
    for a, b in ((0, 2), (1, 3)):
        ratio = sides[a] / max(sides[b], 1e-6)
        if not 0.5 <= ratio <= 2.0:
            return False
    for i in range(4):
        u = quad[i - 1] - quad[i]
        v = quad[(i + 1) % 4] - quad[i]
        cosine = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(cosine) > 0.6:  # a corner under ~53° or over ~127°: a shard, not a sheet
            return False
    if implied_tilt_deg(quad) > MAX_TILT_DEG:
        return False
    long_side = max(sides[0] + sides[2], sides[1] + sides[3])
    short_side = min(sides[0] + sides[2], sides[1] + sides[3])
    return long_side / max(short_side, 1e-6) <= 3.5


def _touches_edge(quad: np.ndarray, width: int, height: int) -> bool:
    margin = 0.006 * max(width, height)
    return bool((quad[:, 0] < margin).any() or (quad[:, 0] > width - 1 - margin).any()
                or (quad[:, 1] < margin).any() or (quad[:, 1] > height - 1 - margin).any())


def _contains(outer: np.ndarray, inner: np.ndarray, tolerance: float = 2.0) -> bool:
    contour = outer.reshape(-1, 1, 2).astype(np.float32)
    return all(cv2.pointPolygonTest(contour, (float(x), float(y)), True) >= -tolerance for x, y in inner)


UNLIKE = "unlike"  # a candidate whose refined outline is not page-like


@dataclass
class _Candidate:
    quad: np.ndarray
    score: float
    fits: list
    method: str


def _score(fits: list[_SideFit], quad: np.ndarray, width: int, height: int) -> float:
    supports = [f.support for f in fits if f.refined]
    if not supports:
        return 0.0
    unrefined = sum(1 for f in fits if not f.refined)
    # A side with no straight edge found along it (not one lying on the frame edge)
    # counts with its low support: that is where a thumb or a hand hides the real edge,
    # and the proposed side there is only a guess.
    failed = [f.support for f in fits if not f.refined and not f.border]
    mean = float(np.mean(supports + failed))
    worst = float(min(supports + failed))
    score = 0.7 * mean + 0.3 * worst
    return score * (0.85 ** unrefined)


def looks_like_paper(hsv_small: np.ndarray, quad: np.ndarray) -> bool:
    """Paper (and ID cards) is light and nearly unsaturated; a phone, a bag, a coloured
    box on the platen is not."""
    mask = np.zeros(hsv_small.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 255)
    if cv2.countNonZero(mask) < 16:
        return False
    _, saturation, value, _ = cv2.mean(hsv_small, mask=mask)
    return value >= 100 and saturation <= 90


def _cut_off_shape(quad: np.ndarray, width: int, height: int) -> bool:
    """A page hanging over the frame edge: not page-shaped, but convex, big enough and
    touching the edge. Reported (as cut off) so the citizen is told to move it in."""
    quad = np.asarray(quad, np.float32)
    if not np.isfinite(quad).all() or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return False
    area = cv2.contourArea(quad)
    if not MIN_AREA_FRACTION * width * height <= area <= MAX_AREA_FRACTION * width * height:
        return False
    slack = 0.03 * max(width, height)
    inside = ((quad[:, 0] >= -slack) & (quad[:, 0] <= width + slack) & (quad[:, 1] >= -slack)
              & (quad[:, 1] <= height + slack)).all()
    return bool(inside) and _touches_edge(quad, width, height)


def _evaluate(gray_small: np.ndarray, quad: np.ndarray, method: str, hsv_small: np.ndarray,
              from_reference: bool = False) -> _Candidate | None:
    """Refine a proposed quad on the grey image and score it.

    Quads from the reference difference are already close to the paper edge, so they
    are searched over a shorter distance: a printed frame a few millimetres inside
    the edge (certificates, forms) must stay out of reach.
    """
    h, w = gray_small.shape[:2]
    radius = max(6.0, 0.022 * w)
    if from_reference:
        passes = [(gray_small, 0.4 * radius), (gray_small, 0.25 * radius)]
    else:
        passes = [(gray_small, radius), (gray_small, 0.5 * radius)]
    current = quad
    fits = None
    cut = False
    for image, radius_now in passes:
        result = refine_quad(image, current, radius_now, rows=32, smooth=0.5, noise_floor=1.2)
        if result is None:
            return None
        candidate, fits = result
        if not quad_is_page_like(candidate, w, h):
            if not _cut_off_shape(candidate, w, h):
                # Kept (as "unlike") so detect_page can see that the best-supported
                # outline of this object is no page, rather than fall back to a worse one.
                unlike = order_clockwise(candidate) if np.isfinite(candidate).all() else current
                return _Candidate(unlike, _score(fits, unlike, w, h), fits, UNLIKE)
            cut = True
        current = order_clockwise(candidate)
    if not looks_like_paper(hsv_small, current):
        return None
    if max((f.bend for f in fits if f.refined), default=0.0) > MAX_BEND:
        return None  # round things (plates, cups, coins) bow far more than a lifted page
    score = _score(fits, current, w, h)
    if cut:
        # Only believe a cut-off page whose visible sides are clear edges.
        if sum(1 for f in fits if f.refined and f.support >= 0.6) < 2:
            return None
        return _Candidate(current, score, fits, "cut-off")
    return _Candidate(current, score, fits, method)


def _pick(candidates: list[_Candidate]) -> _Candidate | None:
    whole = [c for c in candidates if c.method != "cut-off"]
    if not whole:
        return max(candidates, key=lambda c: c.score) if candidates else None
    candidates = whole
    best = max(candidates, key=lambda c: c.score)
    # A printed frame or table inside the page also has four strong sides: prefer the
    # page around it when that page is nearly as well supported.
    outer = [c for c in candidates if c is not best and c.score >= 0.85 * best.score
             and min(f.support for f in c.fits) >= 0.7
             and cv2.contourArea(c.quad) > 1.05 * cv2.contourArea(best.quad) and _contains(c.quad, best.quad)]
    if outer:
        best = max(outer, key=lambda c: cv2.contourArea(c.quad))
    return best


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller area: 1 when one quad lies inside the other."""
    hull_a = cv2.convexHull(np.asarray(a, np.float32).reshape(-1, 2))
    hull_b = cv2.convexHull(np.asarray(b, np.float32).reshape(-1, 2))
    inter, _ = cv2.intersectConvexConvex(hull_a, hull_b)
    smaller = min(cv2.contourArea(hull_a), cv2.contourArea(hull_b))
    return float(inter / smaller) if smaller > 0 else 0.0


def _dedupe(quads: list[tuple[np.ndarray, str]], tolerance: float) -> list[tuple[np.ndarray, str]]:
    kept: list[tuple[np.ndarray, str]] = []
    for quad, method in quads:
        if any(np.abs(quad - other).max() < tolerance for other, _ in kept):
            continue
        kept.append((quad, method))
    return kept


def detect_page(image: np.ndarray, reference: PlatenReference | None = None, *, refine_full: bool = True,
                min_confidence: float = 0.45) -> Detection | None:
    """The page in `image` (BGR), or None when there is no page-like quad.

    `refine_full` re-fits the sides on the full-resolution image (for stills); the
    preview path leaves it off and scales the working-resolution result up.
    """
    if image is None or image.ndim != 3 or image.shape[0] < 32 or image.shape[1] < 32:
        return None
    height, width = image.shape[:2]
    small = _resize_to_width(image, WORK_WIDTH)
    sh, sw = small.shape[:2]
    scale = width / sw
    small_blur = cv2.GaussianBlur(small, (5, 5), 0)
    gray_small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
    hsv_small = cv2.cvtColor(small_blur, cv2.COLOR_BGR2HSV)

    proposals: list[tuple[np.ndarray, str]] = []
    if reference is not None and reference.matches(image):
        for mask in _reference_masks(small_blur, reference):
            proposals += [(q, "reference") for q in _mask_quads(mask, 1)]
    free_needed = not proposals
    candidates = []
    for quad, method in _dedupe(proposals, 4.0):
        candidate = _evaluate(gray_small, quad, method, hsv_small, from_reference=True)
        if candidate is not None:
            candidates.append(candidate)
    if not candidates or max(c.score for c in candidates) < 0.75:
        free_needed = True
    if free_needed:
        proposals = []
        for mask in _free_masks(small_blur):
            proposals += [(q, "free") for q in _mask_quads(mask, 2)]
        for quad, method in _dedupe(proposals, 4.0):
            candidate = _evaluate(gray_small, quad, method, hsv_small)
            if candidate is not None:
                candidates.append(candidate)
    unlike = [c for c in candidates if c.method == UNLIKE]
    best = _pick([c for c in candidates if c.method != UNLIKE])
    if best is None or best.score < min_confidence:
        return None
    # No quad is better than a wrong one: when the outline with the clearest edges of
    # this very object is no page shape (a thumb across the edge, a fold, a torn
    # corner), a weaker page-shaped quad on it is a guess — the field trial's wrong
    # quads (confidence 0.47-0.58) were such guesses.
    if any(c.score > best.score and _overlap(c.quad, best.quad) > 0.5 for c in unlike):
        return None
    corners = best.quad * scale
    fits = best.fits
    if refine_full and scale > 1.5:
        result = refine_quad(image, corners, radius=max(4.0, 2.5 * scale), rows=48, smooth=0.6 * scale,
                             noise_floor=1.2)
        if result is not None and (quad_is_page_like(result[0], width, height) or best.method == "cut-off"):
            shift = np.abs(result[0] - corners).max()
            if shift < 4 * scale:
                corners, fits = order_clockwise(result[0]), result[1]
    else:
        corners = corners + 0.5 * (scale - 1)  # pixel-centre convention of the resize
        corners = corners.astype(np.float32)
    touches = (best.method == "cut-off" or _touches_edge(corners, width, height)
               or any(not f.refined and f.support == 0.0 for f in best.fits))
    # A strong bow can exceed the short full-resolution search: keep the larger measure.
    bend = max([f.bend for f in fits if f.refined] + [f.bend for f in best.fits if f.refined] + [0.0])
    return Detection(
        corners=order_clockwise(corners),
        confidence=float(np.clip(best.score, 0.0, 1.0)),
        image_size=(width, height),
        touches_edge=bool(touches),
        bend=float(bend),
        method=best.method,
        side_support=tuple(round(f.support, 3) for f in fits),
    )


def detect_page_baseline(image: np.ndarray) -> np.ndarray | None:
    """The common Canny + largest 4-point contour detector (for the benchmark only)."""
    height, width = image.shape[:2]
    small = _resize_to_width(image, WORK_WIDTH)
    scale = width / small.shape[1]
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(gray, 75, 200)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) == 4:
            return order_clockwise(approx.reshape(4, 2).astype(np.float32) * scale)
    return None


def refine_detection(image: np.ndarray, detection: Detection) -> Detection:
    """Re-fit a detection's sides on `image` (the still), starting from where the
    preview found them; keeps the preview result if the refinement goes astray."""
    height, width = image.shape[:2]
    if detection.image_size != (width, height):
        detection = detection.scaled(width, height)
    scale = width / WORK_WIDTH
    result = refine_quad(image, detection.corners, radius=max(4.0, 3.0 * scale), rows=48, smooth=0.6 * scale,
                         noise_floor=1.2)
    if result is None or not quad_is_page_like(result[0], width, height):
        return detection
    corners, fits = order_clockwise(result[0]), result[1]
    if np.abs(corners - detection.corners).max() > 5 * scale:
        return detection
    bend = max((f.bend for f in fits if f.refined), default=detection.bend)
    return Detection(corners, detection.confidence, (width, height),
                     detection.touches_edge or _touches_edge(corners, width, height), float(bend),
                     detection.method, tuple(round(f.support, 3) for f in fits))

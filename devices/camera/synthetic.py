"""Synthetic 高拍仪 frames with known page corners.

Used by the simulator (so the kiosk runs without a camera), by the tests and by
bench/scan_bench.py. A `Scene` is resolution independent (corners in frame fractions),
so the same scene renders as a 1080p preview and as a 12 MP still.

Pages: A4 text, forms (with a QR code), ID-card copies, certificates with a red seal,
the ID card itself and a narrow slip. Backgrounds: dark mat, coloured mat, wood,
white desk, clutter. Distortions: perspective, curl, drop shadow, light fall-off,
glare, exposure, blur, noise and JPEG artefacts.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

BACKGROUNDS = ("dark_mat", "coloured_mat", "wood", "white_desk", "clutter")
PAGE_KINDS = ("a4_text", "form", "id_copy", "certificate", "id_card", "slip")

# Physical size (width, height) in mm, as the page lies upright.
PAGE_SIZE_MM = {
    "a4_text": (210.0, 297.0),
    "form": (210.0, 297.0),
    "id_copy": (210.0, 297.0),
    "certificate": (297.0, 210.0),
    "id_card": (85.6, 54.0),
    "slip": (80.0, 150.0),
}

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

# Sample text for the rendered pages (content only; not UI text).
_TEXT_LINES = (
    "兹证明我村村民在本村居住多年，家庭情况属实，特此证明。",
    "申请人因家庭经济困难，申请办理最低生活保障，请予审核。",
    "本人承诺所填写的信息真实有效，如有虚假愿承担相应责任。",
    "经村民委员会调查核实，该户家庭成员共四人，均无固定收入。",
    "根据有关规定，现将申请材料报送便民服务中心，请予办理。",
    "沁水县嘉峰镇人民政府便民服务中心 联系电话 0356-7000000",
    "户主姓名 与户主关系 出生日期 公民身份号码 服务处所",
)


# A Song (Ming) typeface, as official documents set their text (GB/T 9704: 仿宋 body,
# 小标宋 titles): AR PL UMing (Debian fonts-arphic-uming) or Noto Serif CJK.
SONG_FONT_PATHS = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
TYPEFACES = ("sans", "song")


def _font_path(typeface: str = "sans") -> str | None:
    for path in SONG_FONT_PATHS if typeface == "song" else FONT_PATHS:
        if Path(path).exists():
            return path
    return None


def typeface_installed(typeface: str) -> bool:
    return _font_path(typeface) is not None


@functools.lru_cache(maxsize=32)
def _font(size: int, typeface: str = "sans"):
    from PIL import ImageFont

    path = _font_path(typeface) or _font_path("sans")
    if path is None:
        return ImageFont.load_default()
    return ImageFont.truetype(path, size)


def _qr_image(text: str, box_px: int) -> np.ndarray:
    import qrcode

    qr = qrcode.QRCode(border=2, box_size=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = np.array(qr.get_matrix(), dtype=np.uint8)
    img = np.where(matrix, 0, 255).astype(np.uint8)
    img = cv2.resize(img, (box_px, box_px), interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def _draw_seal(canvas: np.ndarray, center: tuple[int, int], radius: int) -> None:
    """A red official seal: ring, star and arc of characters, slightly translucent."""
    from PIL import Image, ImageDraw

    size = radius * 2 + 4
    seal = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(seal)
    c = size // 2
    width = max(2, radius // 14)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=width)
    star = []
    for k in range(10):
        r = radius * (0.28 if k % 2 == 0 else 0.11)
        a = -math.pi / 2 + k * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=255)
    chars = "嘉峰镇人民政府便民服务中心"
    font = _font(max(8, radius // 4))
    for i, ch in enumerate(chars):
        a = math.radians(-200 + i * (220 / (len(chars) - 1)))
        x = c + radius * 0.72 * math.cos(a)
        y = c + radius * 0.72 * math.sin(a)
        draw.text((x, y), ch, fill=255, font=font, anchor="mm")
    mask = np.asarray(seal, dtype=np.float32) / 255.0 * 0.85
    x0, y0 = center[0] - c, center[1] - c
    h, w = canvas.shape[:2]
    xs, ys = max(0, x0), max(0, y0)
    xe, ye = min(w, x0 + size), min(h, y0 + size)
    if xe <= xs or ye <= ys:
        return
    m = mask[ys - y0:ye - y0, xs - x0:xe - x0, None]
    red = np.array([40, 30, 210], np.float32)
    region = canvas[ys:ye, xs:xe].astype(np.float32)
    canvas[ys:ye, xs:xe] = (region * (1 - m) + red * m).astype(np.uint8)


@functools.lru_cache(maxsize=48)
def render_page(kind: str, seed: int = 0, px_per_mm: float = 6.0, qr_text: str = "",
                typeface: str = "sans") -> np.ndarray:
    """An upright page of `kind` as BGR, at `px_per_mm` (6 px/mm ≈ 150 dpi), its text
    set in `typeface` ("sans": WenQuanYi Micro Hei; "song": a Song/Ming face as
    official documents use, when installed — else sans).

    Forms and slips carry a QR code: `qr_text`, or by default `page_qr_text(kind, seed)`
    (a slip with a ticket's link is a printed queue ticket as the camera sees it).

    Cached: the same page is placed in many frames. Callers must not modify it.
    """
    from PIL import Image, ImageDraw

    font_of = functools.partial(_font, typeface=typeface)  # this page's typeface

    if kind not in PAGE_SIZE_MM:
        raise ValueError(f"unknown page kind {kind!r}; use one of {PAGE_KINDS}")
    rng = np.random.default_rng(seed + 1000 * PAGE_KINDS.index(kind))
    w_mm, h_mm = PAGE_SIZE_MM[kind]
    w, h = int(round(w_mm * px_per_mm)), int(round(h_mm * px_per_mm))
    tone = int(rng.integers(212, 236))  # paper under a 高拍仪's exposure, not blown out
    paper = (tone, tone, max(0, tone - int(rng.integers(0, 8))))
    if kind == "id_card":
        paper = (236, 226, 212)
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    mm = px_per_mm
    ink = (25, 25, 30)

    def lines(x0: float, y0: float, y1: float, size_mm: float, gap: float = 1.8) -> None:
        font = font_of(max(6, int(size_mm * mm)))
        y = y0
        while y + size_mm * mm < y1:
            text = _TEXT_LINES[int(rng.integers(0, len(_TEXT_LINES)))]
            if rng.random() < 0.35:  # a paragraph ends early
                text = text[: int(rng.integers(6, len(text)))]
            draw.text((x0, y), text, fill=ink, font=font)
            y += size_mm * mm * gap

    if kind in ("a4_text", "form", "id_copy"):
        title = {"a4_text": "证    明", "form": "最低生活保障申请表", "id_copy": "居民身份证复印件"}[kind]
        draw.text((w / 2, 22 * mm), title, fill=ink, font=font_of(int(8 * mm)), anchor="mm")
    if kind == "a4_text":
        lines(22 * mm, 40 * mm, h * float(rng.uniform(0.55, 0.8)), 4.2)
        draw.text((w - 80 * mm, h - 60 * mm), "二〇二六年十一月二十日", fill=ink, font=font_of(int(4.5 * mm)))
    elif kind == "form":
        x0, x1 = 18 * mm, w - 18 * mm
        rows = np.linspace(38 * mm, h - 40 * mm, 15)
        for y in rows:
            draw.line((x0, y, x1, y), fill=ink, width=max(1, int(0.35 * mm)))
        for x in (x0, x0 + 40 * mm, x0 + 95 * mm, x1):
            draw.line((x, rows[0], x, rows[-1]), fill=ink, width=max(1, int(0.35 * mm)))
        font = font_of(int(4 * mm))
        for i, y in enumerate(rows[:-1]):
            draw.text((x0 + 3 * mm, y + 2.5 * mm), ("姓名", "性别", "住址", "电话", "收入", "人口", "备注")[i % 7],
                      fill=ink, font=font)
    elif kind == "id_copy":
        for top in (45 * mm, 150 * mm):
            box = (w / 2 - 43 * mm, top, w / 2 + 43 * mm, top + 54 * mm)
            draw.rounded_rectangle(box, radius=int(3 * mm), fill=(200, 200, 200), outline=(120, 120, 120),
                                   width=max(1, int(0.3 * mm)))
            font = font_of(int(3 * mm))
            for k in range(4):
                draw.text((box[0] + 5 * mm, top + (8 + 9 * k) * mm), ("姓名 张三", "性别 男  民族 汉", "出生 1958年3月2日",
                                                                          "住址 沁水县嘉峰镇")[k], fill=(60, 60, 60), font=font)
            draw.rectangle((box[2] - 30 * mm, top + 8 * mm, box[2] - 6 * mm, top + 40 * mm), fill=(150, 150, 150))
    elif kind == "certificate":
        for inset, width in ((8, 1.6), (12, 0.5)):
            draw.rectangle((inset * mm, inset * mm, w - inset * mm, h - inset * mm), outline=(40, 60, 170),
                           width=max(1, int(width * mm)))
        draw.text((w / 2, 40 * mm), "荣 誉 证 书", fill=(30, 30, 180), font=font_of(int(14 * mm)), anchor="mm")
        lines(40 * mm, 65 * mm, 150 * mm, 6.0, 2.0)
    elif kind == "id_card":
        draw.rectangle((56 * mm, 8 * mm, 80 * mm, 40 * mm), fill=(170, 160, 150))
        font = font_of(int(3.2 * mm))
        for k, text in enumerate(("姓名 张三", "性别 男  民族 汉", "出生 1958 年 3 月 2 日", "住址 山西省沁水县")):
            draw.text((6 * mm, (7 + 8 * k) * mm), text, fill=ink, font=font)
        draw.text((6 * mm, 44 * mm), "公民身份号码 140521********1234", fill=ink, font=font)
    elif kind == "slip":
        font = font_of(int(3.6 * mm))
        draw.text((w / 2, 10 * mm), "收  据", fill=ink, font=font_of(int(6 * mm)), anchor="mm")
        for k in range(12):
            draw.text((6 * mm, (20 + 7 * k) * mm), ("项目", "金额", "日期", "经办人")[k % 4] + " ……………… " + str(10 * k + 3),
                      fill=ink, font=font)
    page = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    if kind in ("form", "slip"):
        qr_px = int((22 if kind == "form" else 30) * mm)
        qr = _qr_image(qr_text or page_qr_text(kind, seed), qr_px)
        y0, x0 = (int(8 * mm), int(w - 8 * mm - qr_px)) if kind == "form" else (int(h - 8 * mm - qr_px), int((w - qr_px) / 2))
        page[y0:y0 + qr_px, x0:x0 + qr_px] = np.minimum(page[y0:y0 + qr_px, x0:x0 + qr_px], qr)
    if kind in ("certificate", "a4_text"):
        _draw_seal(page, (int(w - 55 * mm), int(h - 45 * mm)), int(21 * mm))
    # ID cards get their rounded corners (ISO/IEC 7810, r = 3.18 mm) as transparency
    # when placed in a scene (render_scene).
    return page


def page_qr_text(kind: str, seed: int) -> str | None:
    """The text of the QR code `render_page(kind, seed)` carries, if any."""
    return f"QXB-{kind.upper()}-{seed:04d}" if kind in ("form", "slip") else None


@functools.lru_cache(maxsize=16)
def _background_small(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    """Background at low resolution (textures); upscaled per frame."""
    rng = np.random.default_rng(seed)
    if kind == "dark_mat":
        base = np.full((h, w, 3), rng.integers(28, 48), np.float32)
        base += rng.normal(0, 3, (h, w, 1))
        # Printed guide corners (never a closed rectangle).
        col = (90, 90, 90)
        for (cx, cy) in ((0.15, 0.12), (0.85, 0.12), (0.15, 0.88), (0.85, 0.88)):
            x, y = int(cx * w), int(cy * h)
            dx = int(0.05 * w) * (1 if cx < 0.5 else -1)
            dy = int(0.05 * w) * (1 if cy < 0.5 else -1)
            cv2.line(base, (x, y), (x + dx, y), col, 1)
            cv2.line(base, (x, y), (x, y + dy), col, 1)
    elif kind == "coloured_mat":
        colour = [(120, 90, 40), (60, 120, 50), (50, 50, 150), (130, 110, 60)][int(rng.integers(0, 4))]
        base = np.empty((h, w, 3), np.float32)
        base[:] = colour
        base += rng.normal(0, 4, (h, w, 1))
    elif kind == "wood":
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        phase = rng.uniform(0, 6)
        warp = 6 * np.sin(x / w * 7 + phase) + 3 * np.sin(x / w * 23)
        grain = np.sin((y + warp) / h * 90 + rng.normal(0, 0.4, (h, w)).cumsum(axis=1) * 0.02)
        v = 0.5 + 0.5 * grain
        dark = np.array([40, 70, 120], np.float32)
        light = np.array([90, 140, 190], np.float32)
        base = dark + (light - dark) * v[..., None]
        base += rng.normal(0, 5, (h, w, 1))
    elif kind == "white_desk":
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        level = rng.uniform(188, 206)
        base = np.empty((h, w, 3), np.float32)
        base[:] = (level - 4, level, level + 2)
        base += (x / w - 0.5)[..., None] * rng.uniform(-14, 14) + (y / h - 0.5)[..., None] * rng.uniform(-10, 10)
        base += rng.normal(0, 1.5, (h, w, 1))
    elif kind == "clutter":
        base = np.empty((h, w, 3), np.float32)
        base[:] = rng.uniform(60, 130, 3)
        base += rng.normal(0, 4, (h, w, 1))
        for _ in range(int(rng.integers(8, 14))):
            colour = tuple(float(c) for c in rng.uniform(0, 255, 3))
            shape = rng.integers(0, 3)
            cx, cy = int(rng.uniform(0, w)), int(rng.uniform(0, h))
            size = int(rng.uniform(0.04, 0.16) * w)
            if shape == 0:
                cv2.circle(base, (cx, cy), size // 2, colour, -1, cv2.LINE_AA)
            elif shape == 1:
                box = cv2.boxPoints(((cx, cy), (size, size * rng.uniform(0.2, 0.7)), rng.uniform(0, 180)))
                cv2.fillPoly(base, [box.astype(np.int32)], colour, cv2.LINE_AA)
            else:
                cv2.line(base, (cx, cy), (cx + size, cy + int(rng.uniform(-size, size))), colour,
                         max(2, size // 12), cv2.LINE_AA)
    else:
        raise ValueError(f"unknown background {kind!r}; use one of {BACKGROUNDS}")
    return np.clip(base, 0, 255).astype(np.uint8)


def render_background(kind: str, seed: int, width: int, height: int) -> np.ndarray:
    small_w = 480
    small_h = max(1, int(round(small_w * height / width)))
    small = _background_small(kind, seed, small_w, small_h)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class Scene:
    """What lies on the platen; corners are fractions of the frame (x, y), clockwise
    from the page's own top-left. `page_kind=None` is the empty platen."""

    background: str = "dark_mat"
    background_seed: int = 0
    page_kind: str | None = None
    page_seed: int = 0
    corners: tuple[tuple[float, float], ...] = ()
    curl: float = 0.0  # bow of the long edges, as a fraction of the page height
    shadow: float = 0.0  # strength of the light fall-off across the frame, 0-0.5
    glare: float = 0.0  # 0 = none, 1 = a saturated blob
    glare_at: tuple[float, float] = (0.5, 0.4)  # in page fractions
    exposure: float = 1.0
    blur: float = 0.0  # Gaussian sigma in 1080p pixels (scaled with resolution)
    noise: float = 2.0  # sensor noise sigma in grey levels
    jpeg_quality: int = 0  # 0 = no JPEG round trip
    # 0: the sensor noise follows from the page and background seeds; any other value
    # draws it independently (two exposures of the same platen never share their noise).
    noise_seed: int = 0
    # Depth of bites torn out of the page edges, as a fraction of the page's short side.
    torn: float = 0.0
    # A hand holding the page with its thumb across one edge: (side 0-3 clockwise from
    # the page's own top, position along that side 0-1, thumb length as a fraction of
    # the page's short side). Empty = no hand.
    hand: tuple[float, ...] = ()
    # The text of the page's QR code (forms and slips); "" = the kind's own (page_qr_text).
    qr_text: str = ""
    typeface: str = "sans"  # the page's text: "sans" or "song" (see render_page)

    def with_page(self, kind: str | None, corners=(), seed: int | None = None) -> "Scene":
        return replace(self, page_kind=kind, corners=tuple(map(tuple, corners)),
                       page_seed=self.page_seed if seed is None else seed)

    def corners_px(self, width: int, height: int) -> np.ndarray:
        return np.array([(x * width, y * height) for x, y in self.corners], np.float32)


def _curled_page(page: np.ndarray, curl: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Bow the top and bottom edges (zero at the corners). Returns BGR, alpha and pad."""
    h, w = page.shape[:2]
    pad = int(abs(curl) * h) + 2
    canvas_h = h + 2 * pad
    ys, xs = np.mgrid[0:canvas_h, 0:w].astype(np.float32)
    bow = (curl * h * np.sin(np.pi * xs / max(1, w - 1))).astype(np.float32)
    # Vertical stretch: a page lifted in the middle looks wider there from above.
    src_y = (ys - pad) - bow * (1 - 2 * (ys - pad) / h)
    alpha = np.full((h, w), 255, np.uint8)
    bgr = cv2.remap(page, xs, src_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    mask = cv2.remap(alpha, xs, src_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return bgr, mask, pad


def _rounded_alpha(h: int, w: int, radius: int) -> np.ndarray:
    alpha = np.full((h, w), 255, np.uint8)
    if radius <= 0:
        return alpha
    corner = np.zeros((radius, radius), np.uint8)
    cv2.circle(corner, (radius - 1, radius - 1), radius - 1, 255, -1, cv2.LINE_AA)
    alpha[:radius, :radius] = corner
    alpha[:radius, w - radius:] = corner[:, ::-1]
    alpha[h - radius:, :radius] = corner[::-1, :]
    alpha[h - radius:, w - radius:] = corner[::-1, ::-1]
    return alpha


def _tear_edges(alpha: np.ndarray, pad: int, h: int, w: int, depth: float, rng: np.random.Generator) -> np.ndarray:
    """Bite a few ragged notches out of the page edges (a torn or worn sheet)."""
    alpha = alpha.copy()
    short = min(h, w)
    for _ in range(int(rng.integers(3, 7))):
        side = int(rng.integers(0, 4))
        along = float(rng.uniform(0.15, 0.85))
        bite_w = float(rng.uniform(0.04, 0.12)) * short
        bite_d = float(rng.uniform(0.3, 1.0)) * depth * short
        jag = rng.uniform(0.4, 1.0, 7)
        xs = np.linspace(-bite_w / 2, bite_w / 2, 7)
        # A notch polygon in (along, into) coordinates of the side, then into the image.
        notch = [(x, -2.0) for x in (xs[0], xs[-1])][::-1] + [(x, d * bite_d) for x, d in zip(xs, jag)]
        if side == 0:
            pts = [(along * w + a, pad + d) for a, d in notch]
        elif side == 1:
            pts = [(w - 1 - d, pad + along * h + a) for a, d in notch]
        elif side == 2:
            pts = [(along * w + a, pad + h - 1 - d) for a, d in notch]
        else:
            pts = [(d, pad + along * h + a) for a, d in notch]
        cv2.fillPoly(alpha, [np.round(np.array(pts)).astype(np.int32)], 0, cv2.LINE_AA)
    return alpha


def _draw_hand(frame: np.ndarray, corners: np.ndarray, hand: tuple[float, ...], rng: np.random.Generator) -> np.ndarray:
    """A hand holding the page: the palm beside it and the thumb lying across one edge."""
    side, along, length = int(hand[0]) % 4, float(hand[1]), float(hand[2])
    p0, p1 = corners[side].astype(np.float64), corners[(side + 1) % 4].astype(np.float64)
    short = min(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[3] - corners[0]))
    thumb_len = length * short
    edge = p0 + along * (p1 - p0)
    t = (p1 - p0) / max(np.linalg.norm(p1 - p0), 1e-6)
    outward = np.array([t[1], -t[0]])  # corners are clockwise on screen
    if outward @ (edge - corners.mean(axis=0)) < 0:
        outward = -outward
    h, w = frame.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    angle = float(np.degrees(np.arctan2(outward[1], outward[0])))
    # The thumb reaches about 40 % of its length onto the page; the palm stays outside.
    thumb_centre = edge + outward * 0.1 * thumb_len
    cv2.ellipse(mask, (tuple(np.round(thumb_centre).astype(int))), (int(thumb_len / 2), int(thumb_len * 0.2)),
                angle, 0, 360, 255, -1, cv2.LINE_AA)
    palm_centre = edge + outward * 1.05 * thumb_len + t * 0.25 * thumb_len
    cv2.ellipse(mask, tuple(np.round(palm_centre).astype(int)), (int(thumb_len * 0.75), int(thumb_len * 0.6)),
                angle, 0, 360, 255, -1, cv2.LINE_AA)
    skin = np.array([105, 140, 190], np.float32) * float(rng.uniform(0.85, 1.1))
    soft = cv2.GaussianBlur(mask, (0, 0), max(1.0, thumb_len * 0.01)).astype(np.float32) / 255.0
    # Shading: darker towards the outline, like a rounded finger.
    inner = cv2.GaussianBlur(mask, (0, 0), max(1.0, thumb_len * 0.08)).astype(np.float32) / 255.0
    shade = 0.7 + 0.3 * inner
    layer = (skin[None, None, :] * shade[..., None]).clip(0, 255)
    out = frame.astype(np.float32) * (1 - soft[..., None]) + layer * soft[..., None]
    return out.astype(np.uint8)


def tilted_corners(rng: np.random.Generator, kind: str, aspect: float, tilt_deg: float, coverage: float = 0.6,
                   turn_deg: float | None = None, focal: float = 1.0) -> tuple:
    """Corners (frame fractions) of a page photographed by hand at `tilt_deg` from
    straight above: the page plane is turned about a random axis in it and projected
    by a pinhole camera whose focal length is `focal` frame widths (a phone: ~0.8-1.1).
    """
    w_mm, h_mm = PAGE_SIZE_MM[kind]
    pw, ph = w_mm / max(w_mm, h_mm), h_mm / max(w_mm, h_mm)
    page = np.array([[-pw / 2, -ph / 2, 0], [pw / 2, -ph / 2, 0], [pw / 2, ph / 2, 0], [-pw / 2, ph / 2, 0]])
    turn = math.radians(rng.uniform(-15, 15) if turn_deg is None else turn_deg)
    rz = np.array([[math.cos(turn), -math.sin(turn), 0], [math.sin(turn), math.cos(turn), 0], [0, 0, 1]])
    axis_angle = rng.uniform(0, 2 * math.pi)
    axis = np.array([math.cos(axis_angle), math.sin(axis_angle), 0.0])
    tilt = math.radians(tilt_deg)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rot = np.eye(3) + math.sin(tilt) * k + (1 - math.cos(tilt)) * (k @ k)
    pts = page @ rz.T @ rot.T
    f = focal * aspect  # in frame-height units (x is scaled by the aspect below)
    distance = 1.6 * f  # the page roughly fills the frame before it is scaled
    z = pts[:, 2] + distance
    proj = np.stack([f * pts[:, 0] / z, f * pts[:, 1] / z], axis=1)
    extent = proj.max(axis=0) - proj.min(axis=0)
    proj *= coverage / max(extent[1], extent[0] / aspect * 1.0)
    extent = proj.max(axis=0) - proj.min(axis=0)
    limit = np.array([aspect, 1.0]) * 0.92
    if (extent > limit).any():
        proj *= float(np.min(limit / extent))
        extent = proj.max(axis=0) - proj.min(axis=0)
    room = np.maximum(0.0, (np.array([aspect, 1.0]) - extent) / 2 - 0.04)
    centre = np.array([aspect / 2, 0.5]) + rng.uniform(-room, room) - (proj.max(axis=0) + proj.min(axis=0)) / 2
    proj = proj + centre
    return tuple((float(x / aspect), float(y)) for x, y in proj)


def render_scene(scene: Scene, width: int, height: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """The frame a camera of `width`×`height` would deliver for `scene` (BGR uint8)."""
    rng = rng or np.random.default_rng(scene.page_seed * 7919 + scene.background_seed)
    frame = render_background(scene.background, scene.background_seed, width, height)
    scale = height / 1080.0
    glare_layer = None
    # Smooth fields (shadows, glare) are computed at 1/4 size and enlarged: 12 MP frames
    # stay quick to make.
    small_size = (max(1, width // 4), max(1, height // 4))
    to_small = np.diag([small_size[0] / width, small_size[1] / height, 1.0])
    if scene.page_kind is not None and len(scene.corners) == 4:
        corners = scene.corners_px(width, height)
        page_h_px = float(np.linalg.norm(corners[3] - corners[0]))
        # Render the page at about the resolution it will have in the frame.
        mm_h = PAGE_SIZE_MM[scene.page_kind][1]
        px_per_mm = float(np.clip(page_h_px / mm_h * 1.3, 2.0, 9.0))
        px_per_mm = round(px_per_mm * 2) / 2
        page = render_page(scene.page_kind, scene.page_seed, px_per_mm, scene.qr_text, scene.typeface)
        h, w = page.shape[:2]
        bgr, alpha, pad = _curled_page(page, scene.curl)
        if scene.page_kind == "id_card":
            rounded = _rounded_alpha(h, w, int(3.18 * px_per_mm))
            alpha = np.minimum(alpha, np.pad(rounded, ((pad, pad), (0, 0))))
        if scene.torn > 0:
            alpha = _tear_edges(alpha, pad, h, w, scene.torn, rng)
        src = np.array([(-0.5, pad - 0.5), (w - 0.5, pad - 0.5), (w - 0.5, pad + h - 0.5), (-0.5, pad + h - 0.5)],
                       np.float32)
        matrix = cv2.getPerspectiveTransform(src, corners)
        warped = cv2.warpPerspective(bgr, matrix, (width, height), flags=cv2.INTER_LINEAR)
        a = cv2.warpPerspective(alpha, matrix, (width, height), flags=cv2.INTER_LINEAR).astype(np.float32) / 255.0
        # Soft drop shadow under the page edge (pages have thickness and lie on a surface).
        shift = np.float64([[1, 0, 2 * scale / 4], [0, 1, 3 * scale / 4], [0, 0, 1]])
        a_small = cv2.warpPerspective(alpha, shift @ to_small @ matrix, small_size, flags=cv2.INTER_LINEAR)
        drop = cv2.GaussianBlur(a_small.astype(np.float32) / 255.0, (0, 0), max(0.5, 3.0 * scale / 4)) * 0.35
        drop = cv2.resize(drop, (width, height), interpolation=cv2.INTER_LINEAR)
        frame = cv2.blendLinear(frame, np.zeros_like(frame), 1.0 - drop, drop)
        if scene.glare > 0:
            gx, gy = scene.glare_at
            centre = cv2.perspectiveTransform(np.array([[[gx * w - 0.5, pad + gy * h - 0.5]]], np.float32),
                                              (to_small @ matrix).astype(np.float32))[0, 0]
            yy, xx = np.ogrid[0:small_size[1], 0:small_size[0]]
            radius = 0.06 * page_h_px / 4
            blob = np.exp(-(((xx - centre[0]) ** 2 + ((yy - centre[1]) * 1.6) ** 2) / (2 * radius ** 2)))
            blob8 = np.clip(scene.glare * 320 * blob, 0, 255).astype(np.uint8)
            glare_layer = cv2.resize(blob8, (width, height), interpolation=cv2.INTER_LINEAR)
        frame = cv2.blendLinear(warped, frame, a, 1.0 - a)
        if scene.hand:
            frame = _draw_hand(frame, corners, scene.hand, rng)
    if scene.shadow > 0:
        yy, xx = np.mgrid[0:small_size[1], 0:small_size[0]].astype(np.float32)
        direction = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(direction) * xx / small_size[0] + np.sin(direction) * yy / small_size[1]
        ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
        light = cv2.resize((1 - scene.shadow * ramp).astype(np.float32), (width, height),
                           interpolation=cv2.INTER_LINEAR)
        frame = cv2.blendLinear(frame, np.zeros_like(frame), light, 1.0 - light)
    if scene.exposure != 1.0:
        frame = cv2.convertScaleAbs(frame, alpha=scene.exposure)
    if glare_layer is not None:
        # A specular reflection saturates the sensor whatever the exposure.
        frame = cv2.add(frame, cv2.merge([glare_layer, glare_layer, glare_layer]))
    if scene.blur > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), scene.blur * scale)
    out = frame
    if scene.noise > 0:
        out = add_sensor_noise(out, scene.noise, np.random.default_rng(scene.noise_seed) if scene.noise_seed else rng)
    if scene.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(scene.jpeg_quality)])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


@functools.lru_cache(maxsize=4)
def _noise_tiles(sigma: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    noise = np.random.default_rng(seed).normal(0, sigma, (509, 509, 3))
    return (np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8))


def add_sensor_noise(frame: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian sensor noise, tiled from a fixed random patch at a random offset (cheap at 12 MP)."""
    up, down = _noise_tiles(round(float(sigma), 1), 12345)
    h, w = frame.shape[:2]
    oy, ox = (int(v) for v in rng.integers(0, 509, 2))
    reps = (-(-(h + oy) // 509), -(-(w + ox) // 509), 1)
    up_full = np.tile(up, reps)[oy:oy + h, ox:ox + w]
    down_full = np.tile(down, reps)[oy:oy + h, ox:ox + w]
    if frame.ndim == 2:
        up_full, down_full = up_full[..., 0], down_full[..., 0]
    return cv2.subtract(cv2.add(frame, up_full), down_full)


def place_page(rng: np.random.Generator, kind: str, aspect: float, coverage: float = 0.55,
               angle_deg: float | None = None, perspective: float = 0.03, centre=None) -> tuple:
    """Corners (frame fractions) of a page of `kind` lying on a platen of `aspect` (w/h).

    `coverage` is the page height as a fraction of the frame height (for upright pages).
    """
    w_mm, h_mm = PAGE_SIZE_MM[kind]
    angle = math.radians(rng.uniform(-12, 12) if angle_deg is None else angle_deg)
    # Work in a square unit where x is scaled by the frame aspect.
    ph = coverage
    pw = coverage * w_mm / h_mm
    half = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    pts = half @ rot.T
    extent = pts.max(axis=0) - pts.min(axis=0)
    limit = np.array([aspect, 1.0]) * 0.94
    if (extent > limit).any():
        pts *= float(np.min(limit / extent))
        extent = pts.max(axis=0) - pts.min(axis=0)
    pts += rng.uniform(-perspective, perspective, pts.shape) * ph
    if centre is None:
        room = np.maximum(0.0, (np.array([aspect, 1.0]) - extent) / 2 - 0.03)
        centre = np.array([aspect / 2, 0.5]) + rng.uniform(-room, room)
    else:
        centre = np.array([centre[0] * aspect, centre[1]])
    pts = pts + centre
    return tuple((float(x / aspect), float(y)) for x, y in pts)


def random_scene(rng: np.random.Generator, background: str, aspect: float = 16 / 9, page_kind: str | None = None,
                 hard: bool = True) -> Scene:
    """A random page on `background` with the distortions of a hall's platen."""
    kind = page_kind or str(rng.choice(PAGE_KINDS[:5]))
    coverage = {"id_card": rng.uniform(0.25, 0.4), "slip": rng.uniform(0.5, 0.8)}.get(kind, rng.uniform(0.6, 0.9))
    corners = place_page(rng, kind, aspect, coverage, perspective=0.03 if hard else 0.0)
    return Scene(
        background=background,
        background_seed=int(rng.integers(0, 6)),
        page_kind=kind,
        page_seed=int(rng.integers(0, 4)),
        corners=corners,
        curl=float(rng.uniform(-0.012, 0.012)) if hard else 0.0,
        shadow=float(rng.uniform(0, 0.35)) if hard else 0.0,
        glare=float(rng.uniform(0.5, 1.0)) if hard and rng.random() < 0.25 else 0.0,
        glare_at=(float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.7))),
        exposure=float(rng.uniform(0.85, 1.08)) if hard else 1.0,
        blur=float(rng.uniform(0, 1.2)) if hard else 0.0,
        noise=float(rng.uniform(1, 5)) if hard else 1.5,
        jpeg_quality=int(rng.integers(70, 95)) if hard else 0,
    )


def empty_scene(scene: Scene) -> Scene:
    """The same platen with nothing on it (the learned reference), taken at another
    moment: its own sensor noise, so the reference cannot cancel the frame's noise."""
    noise_seed = 1 + (scene.page_seed * 7919 + scene.background_seed + 104729) % 1_000_003
    return replace(scene, page_kind=None, corners=(), glare=0.0, blur=0.0, jpeg_quality=0, noise_seed=noise_seed)


def quad_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard index of two convex quadrilaterals in the same pixel frame."""
    a = np.asarray(a, np.float32).reshape(-1, 2)
    b = np.asarray(b, np.float32).reshape(-1, 2)
    hull_a = cv2.convexHull(a)
    hull_b = cv2.convexHull(b)
    inter, _ = cv2.intersectConvexConvex(hull_a, hull_b)
    union = cv2.contourArea(hull_a) + cv2.contourArea(hull_b) - inter
    return float(inter / union) if union > 0 else 0.0

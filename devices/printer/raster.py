"""Image mode: a document drawn with the CJK font as a 1-bit picture as wide as the paper.

For printers without a Chinese font (international TM-T88). Pillow and qrcode are
imported only when a picture is drawn.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from devices.printer.document import CELL_DOTS, PrintDocument, QrBlock, Rule, TextLine, Feed
from devices.printer.errors import FontNotFound

# Looked at in order; KIOSK_CJK_FONT (if set) comes first.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)

LINE_DOTS = 24  # one Font A line (hanzi 24x24) at scale 1
LINE_GAP = 6


def find_cjk_font(candidates: tuple[str, ...] | None = None) -> Path:
    paths = list(candidates if candidates is not None else FONT_CANDIDATES)
    override = os.environ.get("KIOSK_CJK_FONT")
    if candidates is None and override:
        paths.insert(0, override)
    for candidate in paths:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontNotFound(tuple(paths))


@lru_cache(maxsize=32)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def qr_image(data: str, module_size: int):
    """A QR symbol (level M, quiet zone 2 modules) as a 1-bit Pillow image."""
    import qrcode

    code = qrcode.QRCode(border=2, box_size=module_size, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().get_image().convert("1")


def _x_for(align: str, width: int, content_width: int) -> int:
    if align == "center":
        return max(0, (width - content_width) // 2)
    if align == "right":
        return max(0, width - content_width)
    return 0


def render_document(document: PrintDocument, font_path: Path | None = None):
    """The whole document as a 1-bit image exactly `document.width_dots` wide (black = print)."""
    from PIL import Image, ImageDraw

    path = str(font_path or find_cjk_font())
    width = document.width_dots
    pieces: list[tuple[str, object, int]] = []  # (kind, payload, height)
    for block in document.blocks:
        if isinstance(block, TextLine):
            size = LINE_DOTS * block.scale
            font = _font(path, size)
            # Shrink a line that would overflow (the proportional font is wider than Font A for some text).
            while size > 12 and font.getlength(block.text) > width:
                size -= 2
                font = _font(path, size)
            pieces.append(("text", (block, font), size + LINE_GAP * block.scale))
        elif isinstance(block, QrBlock):
            image = qr_image(block.data, block.module_size)
            pieces.append(("image", image, image.height + LINE_GAP))
        elif isinstance(block, Rule):
            pieces.append(("rule", None, LINE_DOTS))
        elif isinstance(block, Feed):
            pieces.append(("feed", None, (LINE_DOTS + LINE_GAP) * block.lines))
    height = sum(h for _, _, h in pieces) + LINE_DOTS
    canvas = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(canvas)
    y = 0
    for kind, payload, piece_height in pieces:
        if kind == "text":
            block, font = payload
            x = _x_for(block.align, width, int(font.getlength(block.text)))
            draw.text((x, y), block.text, font=font, fill=0)
            if block.bold:  # like emphasized mode: the same dots again, shifted right
                for shift in range(1, max(1, font.size // LINE_DOTS) + 1):
                    draw.text((x + shift, y), block.text, font=font, fill=0)
        elif kind == "image":
            canvas.paste(payload, (_x_for("center", width, payload.width), y))
        elif kind == "rule":
            middle = y + LINE_DOTS // 2
            for x in range(0, width, CELL_DOTS):
                draw.line((x, middle, x + CELL_DOTS // 2, middle), fill=0, width=2)
        y += piece_height
    return canvas

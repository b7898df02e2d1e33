"""Draws what a simulated printer would print for a job's bytes (the simulator's "paper").

A small model of a thermal printer: Font A cells (ASCII 12x24, hanzi 24x24) scaled by
GS !, line buffer flushed at LF with ESC a alignment, automatic wrap at the paper edge,
GB18030 only in Chinese mode (FS &), native QR (GS ( k), raster images (GS v 0) and
the cut (GS V) drawn as a dashed line. Glyphs the font lacks are collected so tests can
assert that no tofu box was printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from devices.printer.document import cell_width
from devices.printer.escpos_parser import parse_stream
from devices.printer.raster import find_cjk_font

CELL = 12
LINE = 24
LINE_GAP = 6
FEED_DOTS = 30
MARGIN = 16
PAPER_GREY = 255
TABLE_GREY = 190


@lru_cache(maxsize=64)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


@lru_cache(maxsize=1)
def _notdef_mask(path: str) -> bytes:
    mask = _font(path, LINE).getmask("\uffff")
    return bytes(mask) + bytes(str(mask.size), "ascii")


def font_has_glyph(path: str, char: str) -> bool:
    if char.isspace():
        return True
    mask = _font(path, LINE).getmask(char)
    return bytes(mask) + bytes(str(mask.size), "ascii") != _notdef_mask(path)


@lru_cache(maxsize=4096)
def _glyph(path: str, char: str, cells: int, bold: bool, scale_w: int, scale_h: int):
    """One character cell at its GS ! size: drawn at the final height (crisp), then
    squeezed to the cell width (a wide Latin glyph such as "M" must stay in its cell)."""
    from PIL import Image, ImageDraw

    height = LINE * scale_h
    font = _font(path, height if cells == 2 else height - 2 * scale_h)
    natural = max(1, int(font.getlength(char) + 0.5))
    cell_width_dots = cells * CELL * scale_w
    image = Image.new("L", (max(natural, cells * CELL * scale_h), height), 255)
    draw = ImageDraw.Draw(image)
    x = (image.width - natural) / 2
    draw.text((x, height - 2 * scale_h), char, font=font, fill=0, anchor="ls")
    if bold:  # emphasized mode prints every dot again one dot to the right
        for shift in range(1, scale_h + 1):
            draw.text((x + shift, height - 2 * scale_h), char, font=font, fill=0, anchor="ls")
    if image.width != cell_width_dots:
        image = image.resize((cell_width_dots, height), Image.Resampling.LANCZOS)
    return image


@dataclass
class _Paper:
    width: int
    font_path: str
    rows: list = field(default_factory=list)  # (image or None, height, align)
    line: list = field(default_factory=list)  # glyph images
    line_x: int = 0
    align: int = 0
    bold: bool = False
    scale_w: int = 1
    scale_h: int = 1
    chinese: bool = False
    missing: set = field(default_factory=set)
    qr: dict = field(default_factory=lambda: {"size": 3, "ec": 0, "data": b""})

    def put_char(self, char: str) -> None:
        if not font_has_glyph(self.font_path, char):
            self.missing.add(char)
        cells = cell_width(char)
        glyph = _glyph(self.font_path, char, cells, self.bold, self.scale_w, self.scale_h)
        if self.line_x + glyph.width > self.width:
            self.flush_line()
        self.line.append(glyph)
        self.line_x += glyph.width

    def flush_line(self, feed_if_empty: bool = False) -> None:
        from PIL import Image

        if not self.line:
            if feed_if_empty:
                self.rows.append((None, FEED_DOTS, 0))
            return
        height = max(g.height for g in self.line)
        row = Image.new("L", (self.line_x, height), 255)
        x = 0
        for glyph in self.line:
            row.paste(glyph, (x, height - glyph.height))
            x += glyph.width
        self.rows.append((row, height + LINE_GAP, self.align))
        self.line, self.line_x = [], 0

    def put_image(self, image) -> None:
        self.flush_line()
        self.rows.append((image, image.height, self.align))

    def cut(self) -> None:
        self.flush_line()
        self.rows.append(("CUT", FEED_DOTS, 0))


def _raster(raw: bytes):
    from PIL import Image

    width_bytes = raw[4] + 256 * raw[5]
    height = raw[6] + 256 * raw[7]
    data = raw[8:8 + width_bytes * height]
    image = Image.frombytes("1", (width_bytes * 8, height), bytes(data))
    # In GS v 0 a set bit prints black; in Pillow "1" a set bit is white.
    from PIL import ImageOps

    return ImageOps.invert(image.convert("L"))


def _qr_image(data: bytes, module: int, ec: int):
    import qrcode

    levels = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
              50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}
    code = qrcode.QRCode(border=1, box_size=max(1, module), error_correction=levels.get(ec, qrcode.constants.ERROR_CORRECT_M))
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def render_job(data: bytes, width_dots: int, font_path: str | None = None):
    """(Pillow image of the printed paper, set of characters the font had no glyph for)."""
    from PIL import Image, ImageDraw

    paper = _Paper(width_dots, str(font_path or find_cjk_font()))
    commands, _, _ = parse_stream(data)
    for command in commands:
        name, raw = command.name, command.raw
        if name == "TEXT":
            text = raw.decode("gb18030", errors="replace") if paper.chinese else raw.decode("cp437")
            for char in text:
                paper.put_char(char)
        elif name == "LF":
            paper.flush_line(feed_if_empty=True)
        elif name == "ESC @":
            paper.align, paper.bold, paper.scale_w, paper.scale_h, paper.chinese = 0, False, 1, 1, False
        elif name == "FS &":
            paper.chinese = True
        elif name == "FS .":
            paper.chinese = False
        elif name == "ESC a":
            paper.align = raw[2] % 48 if raw[2] >= 48 else raw[2]
        elif name == "ESC E":
            paper.bold = bool(raw[2] & 1)
        elif name == "GS !":
            paper.scale_w, paper.scale_h = (raw[2] >> 4) + 1, (raw[2] & 0x0F) + 1
        elif name == "ESC d":
            paper.flush_line()
            paper.rows.append((None, FEED_DOTS * raw[2], 0))
        elif name == "GS ( k":
            fn = raw[6]
            if fn == 67:
                paper.qr["size"] = raw[7]
            elif fn == 69:
                paper.qr["ec"] = raw[7]
            elif fn == 80:
                paper.qr["data"] = raw[8:]
            elif fn == 81 and paper.qr["data"]:
                paper.put_image(_qr_image(paper.qr["data"], paper.qr["size"], paper.qr["ec"]))
        elif name == "GS v 0":
            if raw[4] | raw[5] and raw[6] | raw[7]:  # a zero-sized image prints nothing
                paper.put_image(_raster(raw))
        elif name == "GS V":
            paper.cut()
    paper.flush_line()
    height = sum(h for _, h, _ in paper.rows) + FEED_DOTS
    canvas = Image.new("L", (width_dots + 2 * MARGIN, height), TABLE_GREY)
    canvas.paste(PAPER_GREY, (MARGIN, 0, MARGIN + width_dots, height))
    draw = ImageDraw.Draw(canvas)
    y = 0
    for image, row_height, align in paper.rows:
        if image == "CUT":
            middle = y + row_height // 2
            for x in range(0, width_dots + 2 * MARGIN, 16):
                draw.line((x, middle, x + 8, middle), fill=0, width=2)
        elif image is not None:
            x = {0: 0, 1: (width_dots - image.width) // 2, 2: width_dots - image.width}.get(align, 0)
            canvas.paste(image, (MARGIN + max(0, x), y))
        y += row_height
    return canvas, paper.missing

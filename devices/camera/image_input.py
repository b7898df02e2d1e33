"""Read a page photo that came from outside the kiosk (a staff member's file), safely.

A file handed in by a person is not trusted: it may be no image at all, a truncated
upload, or a "decompression bomb" — a few kilobytes whose header promises a picture of
billions of pixels, which a decoder would try to allocate. So the header is read
first, with a few lines of code per format, and the file is refused before any
decoder sees it when it is not a known image type or when its pixel count is above
`MAX_PIXELS`. Only then is it decoded (by OpenCV), and the decoded size must match the
header.

Formats: JPEG, PNG, BMP, PGM/PPM (binary), TIFF and WebP — what cameras, phones and
scanners produce.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from devices.camera.errors import ImageTooLarge, ImageUnreadable, NotAnImage

# 50 MP: the largest phone/camera photos in use (48–50 MP sensors) still pass; a BGR
# image this size is 150 MB in memory, which the kiosk PC can hold once.
MAX_PIXELS = 50_000_000
# Even a 50 MP PNG with noise compresses to well under this; bigger files are not photos.
MAX_FILE_BYTES = 200 * 1024 * 1024
# How far a PGM/PPM header (with its comments) is searched; JPEG markers are walked
# through the whole file, since the frame header can follow a large EXIF block.
_HEAD_BYTES = 64 * 1024


def image_kind(data: bytes) -> str | None:
    """The image format announced by the file's first bytes (its "magic"), or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:2] == b"\xff\xd8":
        return "jpeg"
    if data[:2] == b"BM":
        return "bmp"
    if data[:2] in (b"P5", b"P6"):
        return "pgm" if data[:2] == b"P5" else "ppm"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from an image file's header, or None if it is not one
    of the supported image formats or its header is broken. Never decodes pixels."""
    kind = image_kind(data)
    parsers = {"png": _png_size, "jpeg": _jpeg_size, "bmp": _bmp_size, "pgm": _pnm_size, "ppm": _pnm_size,
               "tiff": _tiff_size, "webp": _webp_size}
    if kind is None:
        return None
    try:
        return parsers[kind](data)
    except struct.error:  # header cut short
        return None


def _png_size(data: bytes) -> tuple[str, int, int] | None:
    # The first chunk must be IHDR: length 13, then width and height as big-endian u32.
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return "png", width, height


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    # Walk the marker segments up to the first start-of-frame (SOF0..SOF15 except the
    # DHT/JPG/DAC markers C4, C8, CC); its payload holds height then width.
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or scan data before any frame header
            return None
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if length < 2:
            return None
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return "jpeg", width, height
        i += 2 + length
    return None


def _bmp_size(data: bytes) -> tuple[str, int, int] | None:
    if len(data) < 26:
        return None
    header_size = struct.unpack("<I", data[14:18])[0]
    if header_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", data[18:22])
        return "bmp", width, height
    if header_size < 40 or len(data) < 26:
        return None
    width, height = struct.unpack("<ii", data[18:26])
    return "bmp", abs(width), abs(height)  # negative height = top-down rows


def _pnm_size(data: bytes) -> tuple[str, int, int] | None:
    # "P5"/"P6", then width, height and maxval as ASCII numbers separated by whitespace,
    # with '#' comments allowed between them.
    fields: list[int] = []
    i = 2
    n = min(len(data), _HEAD_BYTES)
    while len(fields) < 3 and i < n:
        c = data[i:i + 1]
        if c.isspace():
            i += 1
        elif c == b"#":
            end = data.find(b"\n", i)
            i = n if end < 0 else end + 1
        elif c.isdigit():
            j = i
            while j < n and data[j:j + 1].isdigit():
                j += 1
            if j - i > 10:
                return None
            fields.append(int(data[i:j]))
            i = j
        else:
            return None
    if len(fields) < 3:
        return None
    return ("pgm" if data[:2] == b"P5" else "ppm"), fields[0], fields[1]


def _tiff_size(data: bytes) -> tuple[str, int, int] | None:
    # Only the first image's IFD: tags 256 (ImageWidth) and 257 (ImageLength).
    endian = "<" if data[:2] == b"II" else ">"
    if len(data) < 8:
        return None
    offset = struct.unpack(endian + "I", data[4:8])[0]
    if offset + 2 > len(data):
        return None
    count = struct.unpack(endian + "H", data[offset:offset + 2])[0]
    width = height = None
    for k in range(count):
        entry = offset + 2 + 12 * k
        if entry + 12 > len(data):
            return None
        tag, kind = struct.unpack(endian + "HH", data[entry:entry + 4])
        if tag not in (256, 257):
            continue
        if kind == 3:  # SHORT
            value = struct.unpack(endian + "H", data[entry + 8:entry + 10])[0]
        elif kind == 4:  # LONG
            value = struct.unpack(endian + "I", data[entry + 8:entry + 12])[0]
        else:
            return None
        if tag == 256:
            width = value
        else:
            height = value
    if width is None or height is None:
        return None
    return "tiff", width, height


def _webp_size(data: bytes) -> tuple[str, int, int] | None:
    if len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8 ":
        width, height = (v & 0x3FFF for v in struct.unpack("<HH", data[26:30]))
    elif chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    else:
        return None
    return "webp", width, height


def _looks_complete(kind: str, data: bytes) -> bool:
    """Whether the file carries its end marker: a cut-off upload decodes (with a grey or
    smeared bottom) without any error from OpenCV, so the end is checked by hand."""
    if kind == "jpeg":
        # The end-of-image marker after the compressed data (cameras may append
        # extra bytes or a second, preview JPEG after it, so it need not be last).
        scan = data.find(b"\xff\xda")
        return scan >= 0 and data.find(b"\xff\xd9", scan) >= 0
    if kind == "png":
        return b"IEND" in data[-64:]
    return True


def read_page_image(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The BGR image in the file at `path`, checked before it is decoded.

    Raises NotAnImage (not a supported image file), ImageTooLarge (more than
    `max_pixels` pixels, or a file above MAX_FILE_BYTES) or ImageUnreadable (missing,
    truncated or corrupt): all ScanError, with a Chinese message for the screen.
    """
    import cv2

    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ImageUnreadable(str(path))
        if size > MAX_FILE_BYTES:
            raise ImageTooLarge(str(path), f"file is {size // (1024 * 1024)} MB")
        with path.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise ImageUnreadable(str(path)) from None
    if image_kind(data) is None:
        raise NotAnImage(str(path))
    header = image_size(data)
    if header is None:  # an image type we know, but its header is broken or cut short
        raise ImageUnreadable(str(path))
    kind, width, height = header
    if width <= 0 or height <= 0:
        raise ImageUnreadable(str(path))
    if width * height > max_pixels:
        raise ImageTooLarge(str(path), f"{width}x{height} = {width * height / 1e6:.0f} MP "
                                       f"(limit {max_pixels / 1e6:.0f} MP)")
    if not _looks_complete(kind, data):
        raise ImageUnreadable(str(path))
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    # OpenCV turns JPEG/TIFF photos by their EXIF orientation, so width and height may swap.
    if image is None or image.shape[:2] not in ((height, width), (width, height)):
        # A header that lies about the size is not a file we trust the pixels of.
        raise ImageUnreadable(str(path))
    return image

"""Writes a PrintDocument through a python-escpos printer object.

Text mode does not use `Escpos.text()`: its MagicEncode sends GB18030 only when a line
contains a common hanzi and never enters Chinese mode, so punctuation-only lines come
out as "???" (escpos-notes §1.3). Every job here starts with ESC @ + FS & and sends
each line GB18030-encoded through `_raw`; sizes use GS ! because ESC ! does not enlarge
Chinese. QR codes go through `Escpos.qr(native=True)` after ESC a 1 (its own centring
is not implemented for native codes). The job ends with GS V 66 0: feed to the cutter
and cut partially.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.printer import messages_zh as zh
from devices.printer.document import Feed, PrintDocument, QrBlock, Rule, TextLine

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
INIT = ESC + b"@"
CHINESE_MODE_ON = FS + b"&"
CHINESE_MODE_OFF = FS + b"."
LF = b"\n"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BOLD = {False: ESC + b"E\x00", True: ESC + b"E\x01"}
MAX_SCALE = 8


def size_command(scale: int) -> bytes:
    """GS ! n with n = (width-1) << 4 | (height-1); the only size command that enlarges hanzi."""
    scale = max(1, min(MAX_SCALE, scale))
    return GS + b"!" + bytes([((scale - 1) << 4) | (scale - 1)])


def encode_text(text: str, four_byte: bool = False) -> bytes:
    """GB18030 bytes for one printed line.

    Control characters become spaces (a name or matter title must never smuggle in a
    printer command). Characters the printer cannot show — unencodable ones, and the
    four-byte GB18030 zone unless the printer has it — become the visible missing-
    character mark.
    """
    missing = zh.MISSING_CHARACTER.encode("gb18030")
    out = bytearray()
    for char in text:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            out += b" "
            continue
        try:
            encoded = char.encode("gb18030")
        except UnicodeEncodeError:
            out += missing
            continue
        if len(encoded) == 4 and not four_byte:
            out += missing
        else:
            out += encoded
    return bytes(out)


@dataclass(frozen=True)
class WriteOptions:
    render_mode: Literal["text", "image"] = "text"
    qr_mode: Literal["native", "image"] = "native"
    four_byte: bool = False

    @classmethod
    def from_settings(cls, settings) -> "WriteOptions":
        return cls(settings.render_mode, settings.qr_mode, settings.gb18030_four_byte)


def _write_text_mode(printer, document: PrintDocument, options: WriteOptions) -> None:
    printer._raw(INIT + CHINESE_MODE_ON)
    align, bold, scale = "left", False, 1
    columns = document.columns

    def set_state(new_align: str, new_bold: bool, new_scale: int) -> bytes:
        nonlocal align, bold, scale
        out = b""
        if new_align != align:
            out += ALIGN[new_align]
            align = new_align
        if new_bold != bold:
            out += BOLD[new_bold]
            bold = new_bold
        if new_scale != scale:
            out += size_command(new_scale)
            scale = new_scale
        return out

    for block in document.blocks:
        if isinstance(block, TextLine):
            printer._raw(set_state(block.align, block.bold, block.scale) + encode_text(block.text, options.four_byte) + LF)
        elif isinstance(block, Rule):
            printer._raw(set_state("left", False, 1) + b"-" * columns + LF)
        elif isinstance(block, Feed):
            printer._raw(ESC + b"d" + bytes([max(0, min(255, block.lines))]))
        elif isinstance(block, QrBlock):
            printer._raw(set_state("center", False, 1))
            if options.qr_mode == "native":
                from escpos.constants import QR_ECLEVEL_M

                printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module_size, native=True)
            else:
                from devices.printer.raster import qr_image

                printer.image(qr_image(block.data, block.module_size), impl="bitImageRaster")
            printer._raw(LF)
    printer._raw(set_state("left", False, 1) + CHINESE_MODE_OFF)
    printer.cut(feed=False)


def _write_image_mode(printer, document: PrintDocument) -> None:
    from devices.printer.raster import render_document

    printer._raw(INIT)
    printer.image(render_document(document), impl="bitImageRaster", center=False)
    printer.cut(feed=False)


def write_document(printer, document: PrintDocument, options: WriteOptions = WriteOptions()) -> None:
    """Send one whole job through a python-escpos printer (Network, Serial, Usb, File, Dummy)."""
    if options.render_mode == "image":
        _write_image_mode(printer, document)
    else:
        _write_text_mode(printer, document, options)


def profile_width_dots(profile_name: str, fallback: int) -> int:
    from escpos.capabilities import get_profile

    try:
        return int(get_profile(profile_name).profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return fallback


def document_bytes(document: PrintDocument, options: WriteOptions = WriteOptions(), profile: str = "TM-T20II") -> bytes:
    """The exact bytes a job sends, produced by python-escpos' Dummy printer."""
    from escpos.printer import Dummy

    dummy = Dummy(profile=profile)
    write_document(dummy, document, options)
    return dummy.output

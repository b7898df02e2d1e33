"""One PDF per submission from the finished pages' JPEG bytes, and safe file writes.

img2pdf embeds each JPEG as it is (DCTDecode, no re-encode), so the PDF holds the
exact bytes the quality gate approved; each page gets its physical size from the
dpi written in the JPEG header. Files are written to a temporary name, flushed to
disk and renamed, so a full disk or a yanked stick never leaves a half file in place
of a good one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable, Union

from devices.camera.errors import ImageUnreadable, NothingToBundle, ScanSaveFailed
from devices.camera.page_make import FinishedPage

PageSource = Union[FinishedPage, bytes, str, Path]


def write_file_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` all-or-nothing; raises ScanSaveFailed (disk full, no rights)."""
    path = Path(path)
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        try:
            dir_fd = os.open(path.parent, os.O_RDONLY)
        except OSError:
            return path
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)
        return path
    except OSError as exc:
        raise ScanSaveFailed(str(path), exc.strerror or str(exc)) from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _jpeg_bytes(page: PageSource) -> bytes:
    if isinstance(page, FinishedPage):
        return page.jpeg_bytes
    if isinstance(page, (bytes, bytearray)):
        return bytes(page)
    try:
        data = Path(page).read_bytes()
    except OSError:
        raise ImageUnreadable(str(page)) from None
    if not data.startswith(b"\xff\xd8"):
        raise ImageUnreadable(str(page))
    return data


def pdf_bytes(pages: Iterable[PageSource]) -> bytes:
    import img2pdf

    jpegs = [_jpeg_bytes(page) for page in pages]
    if not jpegs:
        raise NothingToBundle()
    return img2pdf.convert(jpegs)


def bundle_pdf(pages: Iterable[PageSource], path: str | Path) -> Path:
    """Write one PDF of `pages` (FinishedPage, JPEG bytes or JPEG files) to `path`."""
    return write_file_atomic(path, pdf_bytes(pages))


def save_page(page: FinishedPage, folder: str | Path) -> Path:
    """Store a page's JPEG under its content hash (the same page twice is one file)."""
    path = Path(folder) / f"{page.sha256[:20]}.jpg"
    if path.exists() and path.read_bytes() == page.jpeg_bytes:
        return path
    return write_file_atomic(path, page.jpeg_bytes)

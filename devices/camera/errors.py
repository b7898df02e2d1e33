"""Camera and scan errors: a Chinese sentence for the screen, English for the log."""

from __future__ import annotations

from devices.camera import messages_zh as zh
from devices.base.errors import KioskError


class CameraError(KioskError):
    code = "camera_error"


class CameraUnavailable(CameraError):
    """The camera cannot be opened (unplugged, wrong index, busy)."""

    code = "camera_unavailable"

    def __init__(self, message_en: str, **details: object) -> None:
        super().__init__(message_en, zh.CAMERA_NOT_FOUND, **details)


class CameraReadFailed(CameraError):
    """A read failed, blocked or returned the same frame over and over."""

    code = "camera_read_failed"

    def __init__(self, message_en: str, frozen: bool = False, **details: object) -> None:
        super().__init__(message_en, zh.CAMERA_FROZEN if frozen else zh.CAMERA_LOST, **details)
        self.frozen = frozen


class ScanError(KioskError):
    code = "scan_error"


class ImageUnreadable(ScanError):
    code = "image_unreadable"

    def __init__(self, path: str) -> None:
        super().__init__(f"cannot read image {path}", zh.IMAGE_UNREADABLE, path=str(path))


class NotAnImage(ScanError):
    """A file given as a page photo is not an image of a supported type (refused unread)."""

    code = "not_an_image"

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is not a JPEG/PNG/BMP/PGM/PPM/TIFF/WebP image", zh.NOT_AN_IMAGE, path=str(path))


class ImageTooLarge(ScanError):
    """A page photo whose header promises too many pixels: refused before decoding
    (a small file can claim billions of pixels and exhaust memory when decoded)."""

    code = "image_too_large"

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"image {path} is too large: {detail}", zh.IMAGE_TOO_LARGE, path=str(path), detail=detail)


class NoPageFound(ScanError):
    code = "no_page_found"

    def __init__(self, message_en: str = "no page found in the image") -> None:
        super().__init__(message_en, zh.NO_PAGE)


class PageRejected(ScanError):
    """The finished page failed the quality gate; `problems` lists why (first = most important)."""

    code = "page_rejected"

    def __init__(self, problems: tuple) -> None:
        first = problems[0]
        super().__init__("page rejected: " + "; ".join(p.message_en for p in problems), first.message_zh,
                         problems=",".join(p.code for p in problems))
        self.problems = problems


class ScanSaveFailed(ScanError):
    """Writing a page or a PDF failed (disk full, read-only); nothing earlier was lost."""

    code = "scan_save_failed"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}", zh.SAVE_FAILED, path=str(path), reason=reason)


class NothingToBundle(ScanError):
    code = "nothing_to_bundle"

    def __init__(self) -> None:
        super().__init__("no pages given for the PDF", zh.NO_PAGES)

"""A finished page from a photo or scan file: the counter's assisted submission.

The same detection, deskew and quality gate as a page captured on the kiosk, so a
page staff hand in for a citizen is held to the same standard. The file is read
through `image_input.read_page_image`, which refuses what is not an image or would
decode to an absurd size before any pixel is decoded.
"""

from __future__ import annotations

from pathlib import Path

from devices.camera.errors import NoPageFound, PageRejected
from devices.camera.page_detect import detect_page
from devices.camera.page_make import FinishedPage, make_page
from devices.camera.settings import CameraSettings


def page_from_file(path: Path, settings: CameraSettings) -> FinishedPage:
    """The finished page in `path`; raises ScanError (Chinese + English) when there is none."""
    from devices.camera.image_input import read_page_image

    image = read_page_image(path)
    detection = detect_page(image, None)
    if detection is None:
        raise NoPageFound(f"no page found in {path.name}")
    page = make_page(image, detection, mode=settings.colour_mode, jpeg_quality=settings.jpeg_quality,
                     platen_width_mm=settings.platen_width_mm, min_sharpness=settings.min_sharpness,
                     min_page_fraction=settings.min_page_fraction, codes=False,
                     upright_by_text=settings.upright_by_text)
    if not page.ok:
        raise PageRejected(page.quality_problems)
    return page

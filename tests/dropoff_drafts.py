"""Shared by the drop-off tests (service, CLI, app): a holder, a matter, pages, a filled draft."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import cv2

from devices.base.clock import HALL_TZ

# Saturday evening: the hall is closed, the drop-off is what a villager can do.
SATURDAY_EVENING = dt.datetime(2026, 11, 28, 19, 30, tzinfo=HALL_TZ)
# A valid resident ID number (check digit computed, birth date real) that is nobody's.
ID_NUMBER = "14052119500315421X"
NAME = "王秀英"
PHONE = "13912345678"
# A guide that allows drop-off, with 4 materials.
MATTER = "jiuye-chuangye-zheng"


@lru_cache(maxsize=1)
def page_jpegs() -> tuple[tuple[bytes, int, int], ...]:
    """Five different finished-page JPEGs (synthetic documents: text, a form with a QR, an ID copy)."""
    from devices.camera import synthetic

    pages = []
    for seed, kind in enumerate(["a4_text", "form", "id_copy", "certificate", "slip"]):
        image = synthetic.render_page(kind, seed=seed, px_per_mm=3.0)
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        pages.append((encoded.tobytes(), image.shape[1], image.shape[0]))
    return tuple(pages)


def fill_draft(service, pages, matter=MATTER, layout=(2, 2, 1), unsure_pages=()):
    """`unsure_pages`: page numbers (from 1) the camera could not tell which way is up."""
    draft = service.start(matter, ID_NUMBER, NAME, from_card=True)
    pages = iter(pages)
    number = 0
    for material_index, count in enumerate(layout):
        for _ in range(count):
            jpeg, width, height = next(pages)
            number += 1
            service.add_page(draft, min(material_index, len(draft.pages) - 1), jpeg, width, height,
                             upright_sure=number not in unsure_pages)
    draft.phone = PHONE
    draft.consent = True
    return draft

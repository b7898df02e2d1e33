"""GIVEN a finished page lying in any of the four turns WHEN it is turned upright THEN
it reads upright, or — when neither its text lines nor a QR code say clearly which way
is up — it is left exactly as placed and flagged, never turned the wrong way.

Modest page sizes (5 px/mm, ~127 dpi; the ID card at 300 dpi as make_page makes it):
the 12 MP figures are bench/scan_bench.py --parts upright."""

from __future__ import annotations

import numpy as np
import pytest

from devices.camera import synthetic
from devices.camera.page_make import ID_CARD, PageClass, read_codes_and_turns, rotate, upright_rotation

PX_PER_MM = 5.0


def _turned_upright(image: np.ndarray, page_class: PageClass) -> tuple[int, bool]:
    _, qr_turns = read_codes_and_turns(image)
    return upright_rotation(image, page_class, qr_turns=qr_turns)


# Each kind once, in the typeface official documents use (Song, as bootstrap.sh installs
# it) or the sans face; both faces for the plain text page.
CASES = [("a4_text", "sans"), ("a4_text", "song"), ("form", "song"), ("certificate", "sans"),
         ("id_copy", "song"), ("slip", "sans"), ("id_card", "song")]


@pytest.mark.parametrize("kind,typeface", CASES, ids=[f"{k}-{t}" for k, t in CASES])
def test_every_kind_of_page_in_every_turn_comes_out_upright(kind, typeface):
    page_class = ID_CARD if kind == "id_card" else PageClass(kind, *synthetic.PAGE_SIZE_MM[kind], 127)
    assert synthetic.typeface_installed(typeface), "bootstrap.sh installs fonts-arphic-uming"
    page = synthetic.render_page(kind, 2, 300 / 25.4 if kind == "id_card" else PX_PER_MM, typeface=typeface)
    outcome = {}
    for placed in (0, 90, 180, 270):
        rotation, sure = _turned_upright(rotate(page, placed), page_class)
        outcome[placed] = (rotation, sure)
        need = (360 - placed) % 360
        assert rotation == need or not sure, f"turned the wrong way: {outcome}"
    assert all(sure and rotation == (360 - placed) % 360 for placed, (rotation, sure) in outcome.items()), outcome


def test_a_page_without_text_is_left_as_placed_and_flagged():
    blank = np.full((1485, 1050, 3), 225, np.uint8)
    assert _turned_upright(blank, PageClass("A4", 210, 297, 127)) == (0, False)


def test_a_qr_code_decides_when_the_text_cannot():
    """A sheet with only a QR code on it (a slip with its text worn away): the code's
    finder patterns say which way is up."""
    page = synthetic.render_page("form", 1, PX_PER_MM).copy()
    h, w = page.shape[:2]
    qr_px = int(22 * PX_PER_MM)
    y0, x0 = int(8 * PX_PER_MM), int(w - 8 * PX_PER_MM - qr_px)
    code = page[y0:y0 + qr_px, x0:x0 + qr_px].copy()
    page[:] = 225
    page[y0:y0 + qr_px, x0:x0 + qr_px] = code
    for placed in (90, 180, 270):
        assert _turned_upright(rotate(page, placed), PageClass("A4", 210, 297, 127)) == ((360 - placed) % 360, True)


def test_text_and_qr_code_that_disagree_leave_the_page_as_placed_and_flagged():
    """A QR code pasted on upside down (a sticker) against the page's own text lines:
    neither is trusted over the other."""
    page = rotate(synthetic.render_page("a4_text", 1, PX_PER_MM), 90)
    assert upright_rotation(page, PageClass("A4", 210, 297, 127), qr_turns=[270]) == (270, True)
    assert upright_rotation(page, PageClass("A4", 210, 297, 127), qr_turns=[90]) == (0, False)

"""How the kiosk process opens its guides: forgiving loading, cached pinyin, no pypinyin.

The screens and the web pages call `open_guides(settings.data_dir)` once at start and
keep the result. A broken matter file hides that matter only (its problem is logged
and listed in `catalogue.problems`); the pinyin readings come from the cache under the
data directory, computed in a child process when the catalogue changed.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.guides.catalogue import Catalogue, load_catalogue
from kiosk.guides.search import GuideSearch


def open_guides(data_dir: Path, matters_dir: Path | None = None) -> tuple[Catalogue, GuideSearch]:
    catalogue = load_catalogue(matters_dir, strict=False)
    return catalogue, GuideSearch(catalogue, cache_dir=Path(data_dir) / "cache")

"""The service guides (办事指南) for every front end: loaded once, off the first frame."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class GuideService:
    """The catalogue and its search index, built on first use (or by `warm_up`)."""

    def __init__(self, cache_dir: Path, matters_dir: Path | None = None) -> None:
        # Derived files (the guides' pinyin index); shared between halls' runs if given.
        self.cache_dir = cache_dir
        self.matters_dir = matters_dir
        self._catalogue: Any = None
        self._search: Any = None
        self._lock = threading.Lock()

    def catalogue(self) -> Any:
        with self._lock:
            if self._catalogue is None:
                from kiosk.guides.catalogue import load_catalogue

                started = time.perf_counter()
                self._catalogue = load_catalogue(self.matters_dir, strict=False)
                log.info("guide catalogue: %d guides in %.0f ms", len(self._catalogue),
                         (time.perf_counter() - started) * 1000)
            return self._catalogue

    def guide(self, guide_id: str) -> Any:
        return self.catalogue().get(guide_id)

    def search(self) -> Any:
        with self._lock:
            search = self._search
        if search is None:
            from kiosk.guides.search import GuideSearch

            search = GuideSearch(self.catalogue(), cache_dir=self.cache_dir)
            with self._lock:
                self._search = search
        return search

    def warm_up(self) -> threading.Thread:
        """Load the catalogue and build the search index on a worker thread (after the first frame)."""

        def work() -> None:
            try:
                self.search()
            except Exception:
                log.exception("preparing the guide search failed")

        thread = threading.Thread(target=work, name="guides-warm-up", daemon=True)
        thread.start()
        return thread

"""Pinyin readings of the catalogue's names, computed once and cached as a file.

Importing pypinyin costs about 0.4 s and 57 MB (shared kivy-notes §3), so the kiosk
process never imports it to search: the readings of every searchable name are worked
out once — by default in a short-lived child process — and stored under the data
directory, keyed by a hash of the texts. The next start (or the next kiosk in the hall
with the same catalogue) just reads the JSON.

Per text the index holds, per character, the reading the phrase dictionary chooses
first, then the character's other readings (多音字), tone marks removed:
    "重度" → [["zhong", "chong", "tong"], ["du", "duo", "zhai"]]
Characters that are not letters or digits (《》、（）) get an empty list: nobody types them.

    python -m kiosk.guides.pinyin_index < texts.json > readings.json
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable

log = logging.getLogger("kiosk.guides.pinyin")

# Bump when the layout or the reading rules change, so old cache files are ignored.
INDEX_VERSION = 2
CACHE_PREFIX = "guide-pinyin-"

Readings = dict[str, list[list[str]]]


def compute_readings(texts: Iterable[str]) -> Readings:
    """Per-character readings for each text (imports pypinyin: keep out of the kiosk)."""
    from pypinyin import Style, lazy_pinyin, pinyin

    out: Readings = {}
    alternatives: dict[str, list[str]] = {}
    for text in texts:
        if text in out:
            continue
        # The error handler keeps one item per non-Chinese character, so the list
        # stays aligned with the text (the phrase dictionary decides 多音字 here).
        primary = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chunk: list(chunk))
        chars = []
        for char, first in zip(text, primary, strict=True):
            if first == char:  # not a Chinese character
                chars.append([char.lower()] if char.isascii() and char.isalnum() else [])
                continue
            if char not in alternatives:
                alternatives[char] = [r for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0] if r.isalpha()]
            chars.append([first] + [r for r in alternatives[char] if r != first])
        out[text] = chars
    return out


def cache_key(texts: Iterable[str]) -> str:
    digest = hashlib.sha256(f"v{INDEX_VERSION}\n".encode())
    for text in sorted(set(texts)):
        digest.update(text.encode("utf-8") + b"\n")
    return digest.hexdigest()[:20]


def _compute_in_child(texts: list[str]) -> Readings:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.guides.pinyin_index"],
        input=json.dumps(texts, ensure_ascii=False), capture_output=True, text=True, encoding="utf-8",
        timeout=120, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pinyin index child failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    readings = json.loads(result.stdout)
    if not isinstance(readings, dict) or not all(text in readings for text in texts):
        raise ValueError("pinyin index child answered without every text")
    return readings


def load_readings(texts: Iterable[str], cache_dir: Path | None, *, in_process: bool = False) -> Readings:
    """Readings for `texts`, from the cache file when it is there, else computed and cached.

    `in_process=False` computes in a child process so this process never loads
    pypinyin; `cache_dir=None` computes without caching (scripts, one-off use).
    """
    texts = sorted(set(texts))
    path = cache_dir / f"{CACHE_PREFIX}{cache_key(texts)}.json" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            readings = json.loads(path.read_text(encoding="utf-8"))
            if all(t in readings for t in texts):
                return readings
            log.warning("pinyin cache %s is incomplete; rebuilding", path)
        except (OSError, ValueError) as exc:
            log.warning("pinyin cache %s unreadable (%s); rebuilding", path, exc)
    if in_process:
        readings = compute_readings(texts)
    else:
        try:
            readings = _compute_in_child(texts)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as exc:
            # No interpreter to start, a child that dies or answers nonsense: the kiosk
            # must still open its guides, so work the readings out here instead.
            log.warning("pinyin index child failed (%s); computing the readings in this process", exc)
            readings = _readings_in_this_process(texts)
            if readings is None:
                return _hanzi_only(texts)  # not cached: the next start tries again
    if path is not None:
        _write_cache(path, readings)
    return readings


def _readings_in_this_process(texts: list[str]) -> Readings | None:
    try:
        return compute_readings(texts)
    except Exception as exc:  # pypinyin missing or broken
        log.error("no pinyin readings (%s): the guides are searched by 汉字 only", exc)
        return None


def _hanzi_only(texts: list[str]) -> Readings:
    """Readings with no pinyin: 汉字 search works, pinyin finds nothing."""
    return {text: [[char.lower()] if char.isascii() and char.isalnum() else [] for char in text] for text in texts}


def _write_cache(path: Path, readings: Readings) -> None:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a kiosk killed mid-write never leaves half a file behind.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(readings, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
        tmp = None
        for old in path.parent.glob(f"{CACHE_PREFIX}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only data dir costs speed at the next start, nothing else
        log.warning("could not write pinyin cache %s: %s", path, exc)
    finally:
        if tmp is not None:  # a full disk: never leave the half-written file behind
            try:
                os.unlink(tmp)
            except OSError:
                pass


def main() -> int:
    texts = json.loads(sys.stdin.read())
    json.dump(compute_readings(texts), sys.stdout, ensure_ascii=False, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

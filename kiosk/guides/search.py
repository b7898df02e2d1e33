"""Find a matter from what a villager types on a touch screen.

Accepted input, all ranked together:
- 汉字 anywhere in a name, everyday name, department or life event (低保, 残疾证,
  营业执照), or in the materials and conditions (weighted low);
- full pinyin from any syllable start (dibao, shebaoka, zhaijidi);
- pinyin initials (db, sbk, gtgsh) — the A–Z keypad's way;
- a mix of both (dbao, zuidishbz) and the other readings of 多音字 (chongdu for 重度)
  when nothing better matches;
- several words separated by spaces, each of which must match.

Everything is prepared when the index is built (strings joined into one text per kind,
searched with str.find); a keystroke costs a few string scans, not a loop in Python
over every matter. Readings come from `pinyin_index`, so pypinyin is never imported
here.
"""

from __future__ import annotations

import bisect
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kiosk.guides.catalogue import Catalogue, Guide
from kiosk.guides.pinyin_index import Readings, load_readings

# How much a hit on each kind of text counts, before match quality.
WEIGHT_NAME = 100.0
WEIGHT_SHORT_NAME = 96.0
WEIGHT_KEYWORD = 86.0
WEIGHT_CATEGORY = 50.0
WEIGHT_DETAIL = 20.0

# Match quality per way of matching: (whole text, start of text, inside the text).
QUALITY_HANZI = (1.0, 0.92, 0.8)
QUALITY_FULL_PINYIN = (0.95, 0.9, 0.75)
QUALITY_INITIALS = (0.9, 0.85, 0.7)
QUALITY_MIXED = (0.8, 0.75, 0.6)
QUALITY_OTHER_READING = (0.7, 0.65, 0.5)
QUALITY_PARTIAL_HANZI = 0.5
# Up to this much for covering more of the text: 低保 beats 最低生活保障 for "db".
COVERAGE_BONUS = 10.0
# A little for each further text of the same guide that matches (its name as well as
# a keyword): "养老" puts 养老保险 before 高龄津贴, which only lists 养老 as a keyword.
MULTI_HIT_BONUS = 1.5
MULTI_HIT_CAP = 3

HOW_HANZI = "汉字"
HOW_FULL_PINYIN = "全拼"
HOW_INITIALS = "首字母"
HOW_MIXED = "混拼"
HOW_OTHER_READING = "多音字"
HOW_PARTIAL_HANZI = "部分汉字"

_SEPARATOR = "\n"
_MAX_SEGMENTATIONS = 24


@dataclass(frozen=True)
class SearchHit:
    guide: Guide
    score: float
    # The name, everyday name or category (as written in the catalogue) that matched.
    matched_on: str
    # How it matched: 汉字, 全拼, 首字母, 混拼, 多音字, 部分汉字.
    how: str


@dataclass(frozen=True)
class _Term:
    guide_index: int
    weight: float
    text: str
    # Readings per pinyin-bearing character (first = the phrase dictionary's choice).
    syllables: tuple[tuple[str, ...], ...]
    initials: str
    full: str
    # Offsets in `full` where a syllable starts (a hit must start on one).
    starts: frozenset[int]


class _Blob:
    """Many strings joined by newlines, searched in one pass; hits map back to an entry."""

    def __init__(self, entries: list[tuple[str, int]]) -> None:
        self.owners = [owner for _, owner in entries]
        self.offsets: list[int] = []
        parts, at = [], 0
        for text, _ in entries:
            self.offsets.append(at)
            parts.append(text)
            at += len(text) + len(_SEPARATOR)
        self.text = _SEPARATOR.join(parts)
        self.lengths = [len(text) for text, _ in entries]

    def find_all(self, needle: str):
        """Yield (owner, position in entry, entry length) for every occurrence."""
        text, offsets = self.text, self.offsets
        pos = text.find(needle)
        while pos != -1:
            i = bisect.bisect_right(offsets, pos) - 1
            yield self.owners[i], pos - offsets[i], self.lengths[i]
            pos = text.find(needle, pos + 1)


def _quality(levels: tuple[float, float, float], pos: int, needle_len: int, text_len: int) -> float:
    if pos == 0:
        return levels[0] if needle_len == text_len else levels[1]
    return levels[2]


def normalise(query: str) -> str:
    """Full-width letters to half-width, lower case, ü as v, no surrounding blanks."""
    return unicodedata.normalize("NFKC", query).lower().replace("ü", "v").strip()


def _is_pinyin_query(token: str) -> bool:
    return token.isascii() and token.isalpha()


class GuideSearch:
    """Search over one catalogue. Build once per catalogue (the kiosk does it at start)."""

    def __init__(self, catalogue: Catalogue, cache_dir: Path | None = None, *,
                 in_process: bool = False, readings: Readings | None = None) -> None:
        """`cache_dir`: where the pinyin readings are cached (default: $KIOSK_DATA_DIR/cache
        when set). `in_process=True` computes missing readings in this process instead of
        a child process (tests, the CLI). `readings` skips the cache entirely (benchmarks)."""
        self.catalogue = catalogue
        self.guides: tuple[Guide, ...] = catalogue.guides
        if cache_dir is None and os.environ.get("KIOSK_DATA_DIR"):
            cache_dir = Path(os.environ["KIOSK_DATA_DIR"]) / "cache"
        pinyin_texts = {text for guide in self.guides for text, _ in self._pinyin_texts(guide)}
        if readings is None:
            readings = load_readings(pinyin_texts, cache_dir, in_process=in_process)
        self._build(readings)

    # --- index -----------------------------------------------------------------

    @staticmethod
    def _pinyin_texts(guide: Guide):
        yield guide.name, WEIGHT_NAME
        for text in guide.short_names:
            yield text, WEIGHT_SHORT_NAME
        for text in guide.keywords:
            yield text, WEIGHT_KEYWORD
        yield guide.department, WEIGHT_CATEGORY
        for text in guide.life_events:
            yield text, WEIGHT_CATEGORY

    @staticmethod
    def _detail_texts(guide: Guide):
        for material in guide.materials:
            yield material.name
        for text in (guide.conditions, guide.service_object):
            if text:
                yield text

    def _build(self, readings: Readings) -> None:
        terms: list[_Term] = []
        for gi, guide in enumerate(self.guides):
            seen: set[str] = set()
            for text, weight in self._pinyin_texts(guide):
                if text in seen:
                    continue
                seen.add(text)
                syllables = tuple(tuple(r) for r in readings[text] if r)
                full_parts, starts, at = [], set(), 0
                for options in syllables:
                    starts.add(at)
                    full_parts.append(options[0])
                    at += len(options[0])
                terms.append(_Term(gi, weight, text, syllables, "".join(o[0][0] for o in syllables),
                                   "".join(full_parts), frozenset(starts)))
        self._terms = terms
        self._hanzi = _Blob([(t.text.lower(), i) for i, t in enumerate(terms)])
        # Details (materials, conditions) are searched by 汉字 only and count little.
        self._detail_terms = [(gi, text.lower()) for gi, g in enumerate(self.guides) for text in self._detail_texts(g)]
        self._details = _Blob([(text, i) for i, (_, text) in enumerate(self._detail_terms)])
        self._initials = _Blob([(t.initials, i) for i, t in enumerate(terms)])
        self._full = _Blob([(t.full, i) for i, t in enumerate(terms)])
        # Other readings of 多音字: one variant per changed character, enough for the
        # usual slip (reading one character the other way) without a combinatorial list.
        alt_full, alt_initials = [], []
        for i, t in enumerate(terms):
            for k, options in enumerate(t.syllables):
                for other in options[1:]:
                    parts = [o[0] for o in t.syllables]
                    parts[k] = other
                    alt_full.append(("".join(parts), i))
                    if other[0] != options[0][0]:
                        alt_initials.append((t.initials[:k] + other[0] + t.initials[k + 1:], i))
        self._alt_full = _Blob(alt_full)
        self._alt_initials = _Blob(alt_initials)
        self._syllable_prefixes = {s[:n] for t in terms for o in t.syllables for s in o for n in range(1, len(s) + 1)}
        # One-letter queries are the commonest keystroke and match almost everything
        # inside a name, so they rank only by names that start with the letter: worked
        # out once here.
        self._first_letter: dict[str, list[SearchHit]] = {}
        for letter in "abcdefghijklmnopqrstuvwxyz":
            self._first_letter[letter] = self._rank(self._pinyin_hits(letter), limit=None)
        # Suggestions for the initials keypad: names and everyday names, best first.
        suggestion_weight: dict[str, float] = {}
        for t in terms:
            if t.weight > WEIGHT_CATEGORY and t.initials:
                suggestion_weight[t.text] = max(suggestion_weight.get(t.text, 0.0), t.weight)
        by_text = {t.text: t for t in terms}
        self._suggestions = sorted(
            ((text, by_text[text].initials, by_text[text].full) for text in suggestion_weight),
            key=lambda item: (len(item[0]), -suggestion_weight[item[0]], item[0]))

    # --- search ----------------------------------------------------------------

    def search(self, query: str, limit: int | None = 20) -> list[SearchHit]:
        """Matters for `query`, best first; an empty or unmatched query gives []."""
        text = normalise(query)
        if not text:
            return []
        tokens = text.split()
        if len(tokens) == 1:
            return self._rank(self._token_hits(tokens[0]), limit)
        # "di bao": try the words run together too, and keep the better of both.
        joined = self._token_hits("".join(tokens))
        per_token = [self._token_hits(token) for token in tokens]
        both: dict[int, list] = {}
        for gi in set.intersection(*(set(h) for h in per_token)):
            scores = [h[gi] for h in per_token]
            best = max(scores)
            both[gi] = [sum(s[0] for s in scores) / len(scores), best[1], best[2], 1]
        for gi, hit in joined.items():
            if gi not in both or hit[0] > both[gi][0]:
                both[gi] = hit
        return self._rank(both, limit)

    def _token_hits(self, token: str) -> dict[int, list]:
        if _is_pinyin_query(token):
            if len(token) == 1:
                return {self._index_of(h.guide): [h.score, h.matched_on, h.how, 1] for h in self._first_letter[token]}
            return self._pinyin_hits(token)
        return self._hanzi_hits(token)

    def _index_of(self, guide: Guide) -> int:
        if not hasattr(self, "_guide_index"):
            self._guide_index = {id(g): i for i, g in enumerate(self.guides)}
        return self._guide_index[id(guide)]

    @staticmethod
    def _keep(best: dict[int, list], gi: int, score: float, text: str, how: str) -> None:
        """Keep the guide's best hit as [score, text, how, number of hits]."""
        hit = best.get(gi)
        if hit is None:
            best[gi] = [score, text, how, 1]
            return
        hit[3] += 1
        if score > hit[0]:
            hit[0:3] = [score, text, how]

    def _hanzi_hits(self, token: str) -> dict[int, list]:
        best: dict[int, list] = {}
        terms = self._terms
        for ti, pos, length in self._hanzi.find_all(token):
            t = terms[ti]
            score = t.weight * _quality(QUALITY_HANZI, pos, len(token), length) + COVERAGE_BONUS * len(token) / length
            self._keep(best, t.guide_index, score, t.text, HOW_HANZI)
        for di, pos, length in self._details.find_all(token):
            gi, text = self._detail_terms[di]
            self._keep(best, gi, WEIGHT_DETAIL * QUALITY_HANZI[2] + COVERAGE_BONUS * len(token) / length, text, HOW_HANZI)
        if not best and len(token) >= 3:
            best = self._partial_hanzi_hits(token)
        return best

    def _partial_hanzi_hits(self, token: str) -> dict[int, list]:
        """No exact hit (办个残疾证, 营业执照办理): score by the two-character pieces found."""
        pairs = {token[i:i + 2] for i in range(len(token) - 1)}
        found: dict[int, dict[str, set[str]]] = {}
        for pair in pairs:
            for ti, _, _ in self._hanzi.find_all(pair):
                found.setdefault(ti, {}).setdefault("pairs", set()).add(pair)
        best: dict[int, list] = {}
        for ti, info in found.items():
            share = len(info["pairs"]) / len(pairs)
            if share < 0.3:
                continue
            t = self._terms[ti]
            self._keep(best, t.guide_index, t.weight * QUALITY_PARTIAL_HANZI * share, t.text, HOW_PARTIAL_HANZI)
        return best

    def _pinyin_hits(self, token: str) -> dict[int, list]:
        best: dict[int, list] = {}
        terms = self._terms
        n = len(token)
        for ti, pos, length in self._initials.find_all(token):
            t = terms[ti]
            if n == 1 and pos != 0:
                continue
            score = t.weight * _quality(QUALITY_INITIALS, pos, n, length) + COVERAGE_BONUS * n / length
            self._keep(best, t.guide_index, score, t.text, HOW_INITIALS)
        if n >= 2:
            for ti, pos, length in self._full.find_all(token):
                t = terms[ti]
                if pos not in t.starts:
                    continue
                score = t.weight * _quality(QUALITY_FULL_PINYIN, pos, n, length) + COVERAGE_BONUS * n / length
                self._keep(best, t.guide_index, score, t.text, HOW_FULL_PINYIN)
        if best:
            return best
        if n >= 2:
            best = self._mixed_hits(token)
        if not best and n >= 2:
            for blob in (self._alt_initials, self._alt_full):
                for ti, pos, length in blob.find_all(token):
                    t = terms[ti]
                    score = t.weight * _quality(QUALITY_OTHER_READING, pos, n, length) + COVERAGE_BONUS * n / length
                    self._keep(best, t.guide_index, score, t.text, HOW_OTHER_READING)
        return best

    def _segmentations(self, token: str) -> list[list[str]]:
        """Ways to cut `token` into pieces that each start some syllable (longest first)."""
        found: list[list[str]] = []
        prefixes = self._syllable_prefixes

        def walk(at: int, pieces: list[str]) -> None:
            if len(found) >= _MAX_SEGMENTATIONS:
                return
            if at == len(token):
                found.append(list(pieces))
                return
            for end in range(min(len(token), at + 6), at, -1):
                piece = token[at:end]
                if piece in prefixes:
                    pieces.append(piece)
                    walk(end, pieces)
                    pieces.pop()

        walk(0, [])
        return found

    def _mixed_hits(self, token: str) -> dict[int, list]:
        """Full syllables and initials mixed (dbao, zuidishbz), 多音字 readings allowed."""
        best: dict[int, list] = {}
        terms = self._terms
        for pieces in self._segmentations(token):
            initials = "".join(p[0] for p in pieces)
            for ti, pos, length in self._initials.find_all(initials):
                t = terms[ti]
                if all(any(r.startswith(p) for r in t.syllables[pos + k]) for k, p in enumerate(pieces)):
                    score = t.weight * _quality(QUALITY_MIXED, pos, len(pieces), length) \
                        + COVERAGE_BONUS * len(pieces) / length
                    self._keep(best, t.guide_index, score, t.text, HOW_MIXED)
        return best

    def _rank(self, best: dict[int, list], limit: int | None) -> list[SearchHit]:
        guides = self.guides
        scored = [(score + MULTI_HIT_BONUS * min(hits - 1, MULTI_HIT_CAP), gi, text, how)
                  for gi, (score, text, how, hits) in best.items()]
        scored.sort(key=lambda item: (-item[0], len(guides[item[1]].name), guides[item[1]].id))
        if limit is not None:
            scored = scored[:limit]
        return [SearchHit(guides[gi], round(score, 3), text, how) for score, gi, text, how in scored]

    # --- the initials keypad -----------------------------------------------------

    def suggest(self, initials_prefix: str, limit: int = 8) -> list[str]:
        """汉字 names whose pinyin initials (or full pinyin) start with what was typed.

        `suggest("db")` → ["低保", …]: the keypad shows these as big buttons, so a
        villager who knows only the first letters can pick the words.
        """
        prefix = normalise(initials_prefix).replace(" ", "")
        if not prefix or not _is_pinyin_query(prefix):
            return []
        out = [text for text, initials, full in self._suggestions
               if initials.startswith(prefix) or (len(prefix) > 1 and full.startswith(prefix))]
        return out[:limit]

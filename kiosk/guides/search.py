"""Find a matter from what a villager types on a touch screen.

Accepted input, all ranked together:
- 汉字 anywhere in a name, everyday name, department or life event (低保, 残疾证,
  营业执照), or in the materials and conditions (weighted low);
- full pinyin from any syllable start (dibao, shebaoka, zhaijidi);
- pinyin initials (db, sbk, gtgsh) — the A–Z keypad's way;
- one 汉字, or one or two letters, match only names that start with them: that
  early in the typing, a match inside every other name would bury the right one;
- a mix of both (dbao, zuidishbz) and the other readings of 多音字 (chongdu for 重度)
  when nothing better matches, then one-key slips (sbj for sbk, dibso for dibao);
- several words separated by spaces, each of which must match.

Everything is prepared when the index is built (strings joined into one text per kind,
searched with str.find); a keystroke costs a few string scans, not a loop in Python
over every matter. Readings come from `pinyin_index`, so pypinyin is never imported
here.
"""

from __future__ import annotations

import bisect
import heapq
import os
import unicodedata
from collections import Counter
from itertools import chain
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
QUALITY_TYPO = (0.55, 0.5, 0.4)
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
HOW_TYPO = "近似"

_SEPARATOR = "\n"
_MAX_SEGMENTATIONS = 24
# Pinyin queries this short match only at the start of a name.
_SHORT_QUERY = 2
# Letters typed for which a one-key slip is tried when nothing matched.
_TYPO_MIN = 3
_TYPO_MAX = 12
_TYPO_FULL_MIN = 5


def _neighbour_keys() -> dict[str, str]:
    """Keys a finger lands on instead: QWERTY neighbours and the letters either side
    in A–Z order (the two keypad layouts a kiosk uses)."""
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    near: dict[str, set[str]] = {c: set() for c in "abcdefghijklmnopqrstuvwxyz"}
    for r, row in enumerate(rows):
        for i, c in enumerate(row):
            for dr in (-1, 0, 1):
                if 0 <= r + dr < len(rows):
                    other = rows[r + dr]
                    for j in (i - 1, i, i + 1):
                        if 0 <= j < len(other) and other[j] != c:
                            near[c].add(other[j])
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    for i, c in enumerate(alphabet):
        near[c].update(alphabet[max(0, i - 1):i] + alphabet[i + 1:i + 2])
    return {c: "".join(sorted(keys)) for c, keys in near.items()}


_NEIGHBOUR_KEYS = _neighbour_keys()


@dataclass(frozen=True)
class SearchHit:
    guide: Guide
    score: float
    # The name, everyday name or category (as written in the catalogue) that matched.
    matched_on: str
    # How it matched: 汉字, 全拼, 首字母, 混拼, 多音字, 部分汉字, 近似 (one key off).
    how: str


@dataclass(frozen=True)
class _Term:
    """One searchable name and every guide that carries it with the same weight."""

    text: str
    weight: float
    # Readings per pinyin-bearing character (first = the phrase dictionary's choice).
    syllables: tuple[tuple[str, ...], ...]
    initials: str
    full: str
    # Offsets in `full` where a syllable starts (a hit must start on one).
    starts: frozenset[int]
    # Indexes of the guides that carry this name (a department name is carried by many).
    owners: tuple[int, ...]


class _Blob:
    """Many strings joined by newlines, searched in one pass; hits map back to an entry.

    The text also starts with a newline, so "\\n" + needle finds only the entries that
    start with the needle.
    """

    def __init__(self, entries: list[tuple[str, int]]) -> None:
        self.owners = [owner for _, owner in entries]
        self.offsets: list[int] = []
        at = len(_SEPARATOR)
        for text, _ in entries:
            self.offsets.append(at)
            at += len(text) + len(_SEPARATOR)
        self.text = _SEPARATOR + _SEPARATOR.join(text for text, _ in entries) + _SEPARATOR
        self.lengths = [len(text) for text, _ in entries]

    def find_all(self, needle: str, start_only: bool = False) -> list[tuple[int, int, int]]:
        """(owner, position in entry, entry length) for every occurrence."""
        text, offsets, owners, lengths = self.text, self.offsets, self.owners, self.lengths
        find, where = text.find, bisect.bisect_right
        shift = 0
        if start_only:
            needle = _SEPARATOR + needle
            shift = len(_SEPARATOR)
        out = []
        pos = find(needle)
        while pos != -1:
            i = where(offsets, pos + shift) - 1
            out.append((owners[i], pos + shift - offsets[i], lengths[i]))
            pos = find(needle, pos + 1)
        return out


# One scored name hit: (score, the text, how it matched, indexes of the guides carrying it).
_Found = tuple[float, str, str, tuple[int, ...]]


def _fold(found: list[_Found]) -> dict[int, tuple]:
    """Best hit per guide as (score, text, how, number of hits), the dict work done in C:
    hits are applied lowest score first, so each guide ends with its best."""
    if not found:
        return {}
    found.sort(key=_score_of)
    best: dict[int, tuple[float, str, str]] = {}
    for score, text, how, owners in found:
        best.update(dict.fromkeys(owners, (score, text, how)))
    counts = Counter(chain.from_iterable(f[3] for f in found))
    return {gi: (score, text, how, counts[gi]) for gi, (score, text, how) in best.items()}


def _score_of(found: _Found) -> float:
    return found[0]


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
        owners: dict[tuple[str, float], list[int]] = {}
        for gi, guide in enumerate(self.guides):
            seen: set[str] = set()
            for text, weight in self._pinyin_texts(guide):
                if text not in seen:
                    seen.add(text)
                    owners.setdefault((text, weight), []).append(gi)
        terms: list[_Term] = []
        for (text, weight), guide_indexes in owners.items():
            syllables = tuple(tuple(r) for r in readings[text] if r)
            full_parts, starts, at = [], set(), 0
            for options in syllables:
                starts.add(at)
                full_parts.append(options[0])
                at += len(options[0])
            terms.append(_Term(text, weight, syllables, "".join(o[0][0] for o in syllables), "".join(full_parts),
                               frozenset(starts), tuple(guide_indexes)))
        self._terms = terms
        self._hanzi = _Blob([(t.text.lower(), i) for i, t in enumerate(terms)])
        # Details (materials, conditions) are searched by 汉字 only and count little.
        detail_owners: dict[str, list[int]] = {}
        for gi, guide in enumerate(self.guides):
            for text in dict.fromkeys(self._detail_texts(guide)):
                detail_owners.setdefault(text.lower(), []).append(gi)
        self._detail_terms = [(text, tuple(gis)) for text, gis in detail_owners.items()]
        self._details = _Blob([(text, i) for i, (text, _) in enumerate(self._detail_terms)])
        self._tiebreak = [(len(g.name), g.id) for g in self.guides]
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
        self._syllable_set = {s for t in terms for o in t.syllables for s in o}
        self._syllable_prefixes = {s[:n] for s in self._syllable_set for n in range(1, len(s) + 1)}
        # Suggestions for the initials keypad: names and everyday names, best first.
        suggestion_weight: dict[str, float] = {}
        for t in terms:
            if t.weight > WEIGHT_CATEGORY and t.initials:
                suggestion_weight[t.text] = max(suggestion_weight.get(t.text, 0.0), t.weight)
        by_text = {t.text: t for t in terms}
        ordered = sorted(suggestion_weight, key=lambda text: (len(text), -suggestion_weight[text], text))
        self._suggestion_texts = ordered
        # Sorted (initials, rank) and (full pinyin, rank) lists: a prefix is a bisect range.
        self._suggest_initials = sorted((by_text[text].initials, rank) for rank, text in enumerate(ordered))
        self._suggest_full = sorted((by_text[text].full, rank) for rank, text in enumerate(ordered))
        # The first keystroke is always one letter: its ranking is worked out here, once.
        self._one_letter: dict[str, dict[int, tuple]] = {}
        self._one_letter_ranked: dict[str, list[SearchHit]] = {}
        for letter in "abcdefghijklmnopqrstuvwxyz":
            self._one_letter[letter] = _fold(self._pinyin_found(letter))
            self._one_letter_ranked[letter] = self._rank(self._one_letter[letter], None)

    # --- search ----------------------------------------------------------------

    def search(self, query: str, limit: int | None = 20) -> list[SearchHit]:
        """Matters for `query`, best first; an empty or unmatched query gives []."""
        text = normalise(query)
        if not text:
            return []
        tokens = text.split()
        if len(tokens) == 1:
            if len(text) == 1 and text in self._one_letter_ranked:
                return self._one_letter_ranked[text][:limit]
            return self._rank(self._token_hits(tokens[0], limit), limit)
        # "di bao": try the words run together too, and keep the better of both.
        joined = self._token_hits("".join(tokens))
        per_token = [self._token_hits(token) for token in tokens]
        both: dict[int, tuple] = {}
        for gi in set.intersection(*(set(h) for h in per_token)):
            scores = [h[gi] for h in per_token]
            best = max(scores)
            both[gi] = (sum(s[0] for s in scores) / len(scores), best[1], best[2], 1)
        for gi, hit in joined.items():
            if gi not in both or hit[0] > both[gi][0]:
                both[gi] = hit
        return self._rank(both, limit)

    def _token_hits(self, token: str, enough: int | None = None) -> dict[int, tuple]:
        """guide index → (best score, text matched, how, number of texts matched)."""
        if _is_pinyin_query(token):
            if len(token) == 1:
                return self._one_letter[token]
            return _fold(self._pinyin_found(token))
        return _fold(self._hanzi_found(token, enough))

    def _collect(self, hits: list[tuple[int, int, int]], n: int, levels: tuple[float, float, float], how: str,
                 found: list[_Found], on_syllable_start: bool = False) -> None:
        """Score each name hit once; the guides carrying it are folded in later, in C."""
        terms = self._terms
        exact, prefix, inner = levels
        coverage = COVERAGE_BONUS * n
        append = found.append
        for ti, pos, length in hits:
            t = terms[ti]
            if on_syllable_start and pos not in t.starts:
                continue
            quality = (exact if n == length else prefix) if pos == 0 else inner
            append((t.weight * quality + coverage / length, t.text, how, t.owners))

    def _hanzi_found(self, token: str, enough: int | None) -> list[_Found]:
        found: list[_Found] = []
        n = len(token)
        # One character matches too much inside names: only names starting with it.
        self._collect(self._hanzi.find_all(token, start_only=n == 1), n, QUALITY_HANZI, HOW_HANZI, found)
        names_matched = bool(found)
        # Materials and conditions score below any name, so they are only looked at
        # when the names did not already fill the page.
        if n >= 2 and (enough is None or len(set().union(*(f[3] for f in found))) < enough):
            base = WEIGHT_DETAIL * QUALITY_HANZI[2]
            for di, _, length in self._details.find_all(token):
                text, owners = self._detail_terms[di]
                found.append((base + COVERAGE_BONUS * n / length, text, HOW_HANZI, owners))
        # No name holds the whole token (低保户, 养老金): names holding pieces of it still
        # outrank a material that happens to contain the exact words.
        if not names_matched and n >= 3:
            found += self._partial_hanzi_found(token)
        return found

    def _partial_hanzi_found(self, token: str) -> list[_Found]:
        """No exact hit (残疾证怎么办): score names by the two-character pieces they contain."""
        pairs = {token[i:i + 2] for i in range(len(token) - 1)}
        matched: dict[int, set[str]] = {}
        for pair in pairs:
            for ti, _, _ in self._hanzi.find_all(pair):
                matched.setdefault(ti, set()).add(pair)
        found: list[_Found] = []
        for ti, pieces in matched.items():
            share = len(pieces) / len(pairs)
            if share >= 0.3:
                t = self._terms[ti]
                found.append((t.weight * QUALITY_PARTIAL_HANZI * share, t.text, HOW_PARTIAL_HANZI, t.owners))
        return found

    def _pinyin_found(self, token: str) -> list[_Found]:
        found: list[_Found] = []
        n = len(token)
        # One or two letters match inside almost every name: only name starts count.
        start_only = n <= _SHORT_QUERY
        self._collect(self._initials.find_all(token, start_only), n, QUALITY_INITIALS, HOW_INITIALS, found)
        if n >= 2:
            self._collect(self._full.find_all(token, start_only), n, QUALITY_FULL_PINYIN, HOW_FULL_PINYIN, found,
                          on_syllable_start=True)
        if found or n < 2:
            return found
        found = self._mixed_found(token, start_only)
        if not found:
            self._collect(self._alt_initials.find_all(token, start_only), n, QUALITY_OTHER_READING,
                          HOW_OTHER_READING, found)
            self._collect(self._alt_full.find_all(token, start_only), n, QUALITY_OTHER_READING,
                          HOW_OTHER_READING, found)
        if not found and _TYPO_MIN <= n <= _TYPO_MAX:
            self._typo_found(token, found)
        return found

    def _typo_found(self, token: str, found: list[_Found]) -> None:
        """Last resort: one key missing, swapped, or hit next to the right one (sbj for
        sbk, dibso for dibao). Full pinyin is tried only for longer input, where a slip
        inside a syllable is likelier than a wrong initial."""
        variants = {token[:i] + token[i + 1:] for i in range(len(token))}
        variants |= {token[:i] + token[i + 1] + token[i] + token[i + 2:] for i in range(len(token) - 1)}
        variants |= {token[:i] + c + token[i + 1:] for i in range(len(token)) for c in _NEIGHBOUR_KEYS[token[i]]}
        variants.discard(token)
        for variant in variants:
            if len(variant) < _TYPO_MIN:  # two letters match too much to mean anything
                continue
            self._collect(self._initials.find_all(variant), len(variant), QUALITY_TYPO, HOW_TYPO, found)
            if len(token) >= _TYPO_FULL_MIN:
                self._collect(self._full.find_all(variant), len(variant), QUALITY_TYPO, HOW_TYPO, found,
                              on_syllable_start=True)

    def _segmentations(self, token: str) -> list[list[str]]:
        """Ways to cut `token` into whole syllables and single initials; the last piece
        may be a syllable still being typed (longest pieces first)."""
        found: list[list[str]] = []
        syllables, prefixes = self._syllable_set, self._syllable_prefixes

        def walk(at: int, pieces: list[str]) -> None:
            if len(found) >= _MAX_SEGMENTATIONS:
                return
            if at == len(token):
                found.append(list(pieces))
                return
            for end in range(min(len(token), at + 6), at, -1):
                piece = token[at:end]
                if len(piece) == 1 or piece in syllables or (end == len(token) and piece in prefixes):
                    pieces.append(piece)
                    walk(end, pieces)
                    pieces.pop()

        walk(0, [])
        return found

    def _mixed_found(self, token: str, start_only: bool) -> list[_Found]:
        """Full syllables and initials mixed (dbao, zuidishbz), 多音字 readings allowed."""
        found: list[_Found] = []
        terms = self._terms
        for pieces in self._segmentations(token):
            if len(pieces) == 1 or len(pieces) == len(token):
                continue  # plain full pinyin or plain initials: already searched
            initials = "".join(p[0] for p in pieces)
            for ti, pos, length in self._initials.find_all(initials, start_only):
                t = terms[ti]
                if all(any(r.startswith(p) for r in t.syllables[pos + k]) for k, p in enumerate(pieces)):
                    score = t.weight * _quality(QUALITY_MIXED, pos, len(pieces), length) \
                        + COVERAGE_BONUS * len(pieces) / length
                    found.append((score, t.text, HOW_MIXED, t.owners))
        return found

    def _rank(self, best: dict[int, tuple], limit: int | None) -> list[SearchHit]:
        guides, tiebreak = self.guides, self._tiebreak
        keys = {gi: score + MULTI_HIT_BONUS * min(count - 1, MULTI_HIT_CAP)
                for gi, (score, _, _, count) in best.items()}
        chosen = list(keys)
        if limit is not None and len(chosen) > limit:
            threshold = heapq.nlargest(limit, keys.values())[-1]
            chosen = [gi for gi, key in keys.items() if key >= threshold]
        chosen.sort(key=lambda gi: (-keys[gi], tiebreak[gi]))
        if limit is not None:
            chosen = chosen[:limit]
        return [SearchHit(guides[gi], round(keys[gi], 3), best[gi][1], best[gi][2]) for gi in chosen]

    # --- the initials keypad -----------------------------------------------------

    def suggest(self, initials_prefix: str, limit: int = 8) -> list[str]:
        """汉字 names whose pinyin initials (or full pinyin) start with what was typed.

        `suggest("db")` → ["低保", …]: the keypad shows these as big buttons, so a
        villager who knows only the first letters can pick the words.
        """
        prefix = normalise(initials_prefix).replace(" ", "")
        if not prefix or not _is_pinyin_query(prefix):
            return []
        ranks = set(self._prefix_range(self._suggest_initials, prefix))
        if len(prefix) > 1:
            ranks.update(self._prefix_range(self._suggest_full, prefix))
        return [self._suggestion_texts[rank] for rank in sorted(ranks)[:limit]]

    @staticmethod
    def _prefix_range(keyed: list[tuple[str, int]], prefix: str):
        start = bisect.bisect_left(keyed, (prefix,))
        for key, rank in keyed[start:]:
            if not key.startswith(prefix):
                break
            yield rank

"""The hall's catalogue of service guides: one TOML file per matter, loaded and checked.

Staff edit `config/matters/<id>.toml` (shipped as `kiosk.default_config/matters`); the
file name is the guide's id. Loading is strict by default: the first broken file stops
it with a ConfigError naming the file and the field. Files whose name starts with "_"
(`_template.toml`) are not loaded. The kiosk itself loads with
`strict=False`, so one bad file hides one matter (listed in `problems`, logged) rather
than the whole catalogue.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from devices.base.errors import ConfigError, KioskError
from kiosk.guides import labels_zh as zh
from kiosk.guides.schema import Guide, Material, material_rows
from devices.base.settings_schema import build

__all__ = ["Catalogue", "Guide", "GuideNotFound", "Material", "checklist_items", "default_matters_dir", "load_catalogue", "load_guide"]

log = logging.getLogger("kiosk.guides")


class GuideNotFound(KioskError):
    code = "guide_not_found"

    def __init__(self, guide_id: str) -> None:
        super().__init__(f"no service guide with id {guide_id!r}", zh.GUIDE_NOT_FOUND, guide_id=guide_id)


def default_matters_dir() -> Path:
    from kiosk.config import default_config_dir

    return default_config_dir() / "matters"


def load_guide(path: Path) -> Guide:
    """One matter file → Guide, or ConfigError naming the file and the field."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(file, "(file)", "not UTF-8 text", "save the file as UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "(syntax)", str(exc), "fix the TOML syntax at that line (quotes, brackets, commas)") from None
    if "id" in raw:
        raise ConfigError(file, "id", "the id is the file name and cannot be set inside the file",
                          "delete the id line; rename the file to change the id")
    raw["id"] = path.stem
    return build(Guide, raw, file)


@dataclass(frozen=True)
class Catalogue:
    guides: tuple[Guide, ...]
    directory: Path | None = None
    # Files that failed to load when loaded with strict=False.
    problems: tuple[ConfigError, ...] = ()
    _by_id: dict[str, Guide] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({g.id: g for g in self.guides})

    def __len__(self) -> int:
        return len(self.guides)

    def __iter__(self):
        return iter(self.guides)

    def get(self, guide_id: str) -> Guide | None:
        return self._by_id.get(guide_id)

    def require(self, guide_id: str) -> Guide:
        """The guide, or GuideNotFound (a Chinese message for the screen)."""
        guide = self._by_id.get(guide_id)
        if guide is None:
            raise GuideNotFound(guide_id)
        return guide

    @property
    def departments(self) -> tuple[str, ...]:
        """Departments present, the five the reform names first, then the rest by name."""
        present = {g.department for g in self.guides}
        first = [d for d in zh.DEPARTMENT_ORDER if d in present]
        return tuple(first + sorted(present - set(first)))

    @property
    def life_events(self) -> tuple[str, ...]:
        present = {e for g in self.guides for e in g.life_events}
        return tuple(e for e in zh.LIFE_EVENTS if e in present)

    def by_department(self) -> dict[str, tuple[Guide, ...]]:
        return {d: tuple(g for g in self.guides if g.department == d) for d in self.departments}

    def by_life_event(self) -> dict[str, tuple[Guide, ...]]:
        return {e: tuple(g for g in self.guides if e in g.life_events) for e in self.life_events}

    def fingerprint(self) -> str:
        """Changes whenever any guide changes (for caches keyed by the catalogue)."""
        digest = hashlib.sha256()
        for guide in self.guides:
            digest.update(repr(guide).encode("utf-8"))
        return digest.hexdigest()[:16]


def load_catalogue(directory: str | Path | None = None, *, strict: bool = True) -> Catalogue:
    """Load every `*.toml` in `directory` (default: the packaged matters folder), by id."""
    folder = Path(directory) if directory is not None else default_matters_dir()
    if not folder.is_dir():
        raise ConfigError(str(folder), "(folder)", "the matters folder does not exist",
                          "check the path; it should hold one .toml file per matter")
    guides: list[Guide] = []
    problems: list[ConfigError] = []
    for path in sorted(folder.glob("*.toml")):
        if path.name.startswith("_"):  # _template.toml and files staff park on purpose
            continue
        try:
            guides.append(load_guide(path))
        except ConfigError as exc:
            if strict:
                raise
            log.error("guide skipped: %s", exc.message_en)
            problems.append(exc)
    guides.sort(key=lambda g: (_department_rank(g.department), g.id))
    return Catalogue(tuple(guides), folder, tuple(problems))


def _department_rank(department: str) -> tuple[int, str]:
    order = zh.DEPARTMENT_ORDER
    return (order.index(department), "") if department in order else (len(order), department)


def catalogue_warnings(catalogue: Catalogue, queue_names: tuple[str, ...] = ()) -> list[str]:
    """Slips that load fine but would confuse a villager; printed by `kiosk guides check`.

    - an unfamiliar department used by one guide only that looks like a known one
      (民证 for 民政), which would show as a category button of its own;
    - an accept or result window that is not one of the hall's queues (hall.toml).
    """
    warnings = []
    counts: dict[str, int] = {}
    for guide in catalogue:
        counts[guide.department] = counts.get(guide.department, 0) + 1
    for guide in catalogue:
        if counts[guide.department] == 1 and guide.department not in zh.KNOWN_DEPARTMENTS:
            others = [d for d in set(counts) | set(zh.KNOWN_DEPARTMENTS) if d != guide.department]
            close = difflib.get_close_matches(guide.department, others, n=1, cutoff=0.5)
            if close:
                warnings.append(f"{guide.id}.toml: department: {guide.department!r} is used by this guide only; "
                                f"did you mean {close[0]!r}?")
    if queue_names:
        for guide in catalogue:
            for key in ("accept_window", "result_window"):
                window = getattr(guide, key)
                if window not in queue_names:
                    warnings.append(f"{guide.id}.toml: {key}: {window!r} is not a queue of this hall "
                                    f"({', '.join(queue_names)})")
    return warnings


def checklist_items(guide: Guide) -> list[tuple[str, str, str, str]]:
    """The guide's materials as (name, form, copies text, required text) for the printer.

    Matches `devices.printer.layouts.MaterialsChecklist.items`. A guide whose materials
    are unknown gives one row saying to ask at the window, so a printed list is never
    silently empty.
    """
    rows = material_rows(guide)
    if not rows:
        return [(zh.CHECKLIST_NOTE_UNKNOWN, zh.UNKNOWN, zh.UNKNOWN, zh.UNKNOWN)]
    return rows


def checklist_notes(guide: Guide) -> list[str]:
    """Lines printed under the checklist: where to go, and the sample warning."""
    notes = [zh.CHECKLIST_NOTE_WINDOW.format(window=guide.accept_window)]
    if guide.is_sample:
        notes.append(zh.CHECKLIST_NOTE_SAMPLE)
    return notes

"""The hall's settings: one typed, validated object loaded from TOML.

The packaged default is `config/hall.toml` (嘉峰镇便民服务中心, 沁水县). A hall's own
file is given with `--config` or `KIOSK_CONFIG`; `KIOSK_DATA_DIR` overrides the data
directory (tests, several halls on one machine).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from devices.camera.settings import CameraSettings
from devices.idcard.settings import IdCardSettings
from devices.printer.settings import PrinterSettings
from devices.base.errors import ConfigError
from devices.base.settings_schema import build, require

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Period:
    start: dt.time
    end: dt.time

    def contains(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _parse_periods(texts: tuple[str, ...], file: str, key: str) -> tuple[Period, ...]:
    periods = []
    for i, text in enumerate(texts):
        try:
            start_text, end_text = text.split("-")
            start = dt.time.fromisoformat(start_text.strip())
            # "24:00" means until midnight (a hall open round the clock, or tests).
            end = dt.time.max if end_text.strip() == "24:00" else dt.time.fromisoformat(end_text.strip())
        except ValueError:
            raise ConfigError(file, f"{key}[{i}]", f"{text!r} is not a time range", 'write it like "08:30-12:00"') from None
        require(start < end, file, f"{key}[{i}]", f"{text!r} ends before it starts", "the end must be later than the start")
        if periods:
            require(periods[-1].end <= start, file, f"{key}[{i}]", f"{text!r} overlaps the range before it",
                    "list ranges in order without overlaps")
        periods.append(Period(start, end))
    return tuple(periods)


@functools.lru_cache(maxsize=64)
def _parsed_periods(texts: tuple[str, ...]) -> tuple[Period, ...]:
    """Already validated at load: parse once, not on every ticket."""
    return _parse_periods(texts, "", "")


@dataclass(frozen=True)
class HallInfo:
    name: str
    township: str
    county: str
    brand: str = "沁心办"
    address: str = ""
    phone: str = ""
    # Base URL of the hall's online pages (progress, rating, guides) used in QR codes.
    public_url: str = ""

    def check(self, file: str, prefix: str) -> None:
        require(bool(self.name.strip()), file, f"{prefix}.name", "empty", "write the hall's name")


@dataclass(frozen=True)
class OpeningHours:
    mon: tuple[str, ...] = ()
    tue: tuple[str, ...] = ()
    wed: tuple[str, ...] = ()
    thu: tuple[str, ...] = ()
    fri: tuple[str, ...] = ()
    sat: tuple[str, ...] = ()
    sun: tuple[str, ...] = ()
    # Dates the hall is closed although it is a weekday (法定节假日).
    holidays: tuple[dt.date, ...] = ()
    # Weekend dates the hall works (调休上班日); they use `workday_hours`.
    extra_workdays: tuple[dt.date, ...] = ()
    workday_hours: tuple[str, ...] = ("08:30-12:00", "14:30-17:30")
    # No new tickets this many minutes before a period ends.
    stop_issuing_minutes_before_close: int = 15
    # Windows go on calling those still waiting this long after a period ends; whoever is
    # left then is called when the next period starts (wait estimates count on this).
    serve_after_close_minutes: int = 30

    def check(self, file: str, prefix: str) -> None:
        for day in WEEKDAYS:
            _parse_periods(getattr(self, day), file, f"{prefix}.{day}")
        _parse_periods(self.workday_hours, file, f"{prefix}.workday_hours")
        clash = set(self.holidays) & set(self.extra_workdays)
        require(not clash, file, f"{prefix}.holidays", f"{sorted(clash)} is both holiday and workday",
                "list each date in only one of holidays / extra_workdays")
        require(0 <= self.stop_issuing_minutes_before_close <= 120, file,
                f"{prefix}.stop_issuing_minutes_before_close", "must be 0-120", "use 15")
        require(0 <= self.serve_after_close_minutes <= 240, file,
                f"{prefix}.serve_after_close_minutes", "must be 0-240", "use 30")
        # Cross-field: a period no longer than the stop before closing never issues a number.
        stop = dt.timedelta(minutes=self.stop_issuing_minutes_before_close)
        for key in (*WEEKDAYS, "workday_hours"):
            for i, period in enumerate(_parse_periods(getattr(self, key), file, f"{prefix}.{key}")):
                length = (dt.datetime.combine(dt.date.min, period.end) - dt.datetime.combine(dt.date.min, period.start))
                require(length > stop, file, f"{prefix}.{key}[{i}]",
                        f"{period.label()} is not longer than stop_issuing_minutes_before_close "
                        f"({self.stop_issuing_minutes_before_close} min), so no number is ever issued in it",
                        "make the range longer or stop_issuing_minutes_before_close smaller")
        for i, day in enumerate(self.extra_workdays):
            require(day.weekday() >= 5, file, f"{prefix}.extra_workdays[{i}]",
                    f"{day} is a {WEEKDAYS[day.weekday()]}, not a weekend day",
                    "list only the Saturdays and Sundays the hall works (调休上班日)")

    def periods_on(self, day: dt.date) -> tuple[Period, ...]:
        if day in self.holidays:
            return ()
        if day in self.extra_workdays:
            return _parsed_periods(self.workday_hours)
        return _parsed_periods(getattr(self, WEEKDAYS[day.weekday()]))


@dataclass(frozen=True)
class QueueDef:
    id: str
    name: str
    prefix: str
    # One line on what this window does, shown under the button.
    description: str = ""
    # What to have ready when called, shown on the ticket screen (empty: nothing shown).
    bring: str = ""
    daily_cap: int = 300
    norm_service_minutes: float = 10.0

    def check(self, file: str, prefix: str) -> None:
        require(self.id.isascii() and self.id.isalnum(), file, f"{prefix}.id", f"{self.id!r} is not a short code",
                'use letters and digits only, like "A"')
        require(len(self.prefix) == 1 and self.prefix.isascii() and self.prefix.isalpha() and self.prefix.isupper(),
                file, f"{prefix}.prefix", f"{self.prefix!r} is not one capital letter", 'use one capital letter like "A"')
        require(1 <= self.daily_cap <= 9999, file, f"{prefix}.daily_cap", f"{self.daily_cap} is out of range", "use 1-9999")
        require(self.norm_service_minutes > 0, file, f"{prefix}.norm_service_minutes", "must be positive", "use e.g. 10")


@dataclass(frozen=True)
class WindowDef:
    number: int
    name: str
    queues: tuple[str, ...]

    def check(self, file: str, prefix: str) -> None:
        require(self.number > 0, file, f"{prefix}.number", "must be positive", "number windows 1, 2, 3 …")
        require(bool(self.queues), file, f"{prefix}.queues", "empty", 'list the queue ids it serves, like ["A"]')
        require(len(set(self.queues)) == len(self.queues), file, f"{prefix}.queues", "a queue listed twice",
                "list each queue id once")


@dataclass(frozen=True)
class PriorityClass:
    id: str
    name: str


@dataclass(frozen=True)
class QueuePolicy:
    # strict: priority tickets always first; aging: a priority ticket counts as having
    # arrived `aging_minutes` earlier; interleave: priority and normal alternate 1:1.
    priority_policy: Literal["strict", "aging", "interleave"] = "aging"
    aging_minutes: float = 15.0
    # Recalls allowed after the first call; one more makes the ticket a no-show.
    recall_limit: int = 2
    one_waiting_ticket_per_person: bool = True
    # Age from the ID card at or above which a citizen gets the elderly priority.
    elderly_priority_age: int = 70
    priority_classes: tuple[PriorityClass, ...] = (
        PriorityClass("elderly", "老年人优先"),
        PriorityClass("disabled", "残疾人优先"),
        PriorityClass("military", "军人依法优先"),
        PriorityClass("pregnant", "孕妇优先"),
    )

    def check(self, file: str, prefix: str) -> None:
        require(0 <= self.recall_limit <= 10, file, f"{prefix}.recall_limit", "must be 0-10", "use 2")
        require(self.aging_minutes >= 0, file, f"{prefix}.aging_minutes", "must not be negative", "use 15")
        ids = [p.id for p in self.priority_classes]
        require("normal" not in ids, file, f"{prefix}.priority_classes", "'normal' is reserved", "remove it")
        require(len(ids) == len(set(ids)), file, f"{prefix}.priority_classes", "duplicate id", "give each class its own id")


@dataclass(frozen=True)
class StorageSettings:
    data_dir: str = "~/.local/share/qinxin-kiosk"
    # Personal data kept for longer than a day (drop-off scans, in later flows) is purged
    # after this many days. Holder hashes do not wait for it: they are cleared once their
    # business day is over (kiosk.retention).
    retention_days: int = 180

    def check(self, file: str, prefix: str) -> None:
        require(1 <= self.retention_days <= 3650, file, f"{prefix}.retention_days", "must be 1-3650", "use 180")


@dataclass(frozen=True)
class GuidesSettings:
    # The hall's own matter catalogue (one .toml per 办事指南). Empty: the folder
    # `matters/` beside this settings file, or `<data_dir>/matters` while the hall
    # runs on the packaged default settings. A relative path is taken from the
    # folder of this settings file. Seeded from the packaged catalogue once, if it
    # does not exist; never overwritten after that.
    matters_dir: str = ""

    def check(self, file: str, prefix: str) -> None:
        require(self.matters_dir == self.matters_dir.strip(), file, f"{prefix}.matters_dir",
                "starts or ends with spaces", "write the folder path without spaces around it")


@dataclass(frozen=True)
class KioskSettings:
    fullscreen: bool = False
    idle_seconds: int = 90
    idle_warning_seconds: int = 15
    voice_prompts: bool = True
    notices: tuple[str, ...] = ()
    # Shown only while the after-hours drop-off works on this kiosk.
    dropoff_notices: tuple[str, ...] = ()
    # Where the ID-card reader sits on this kiosk, as the citizen faces the screen:
    # the card screen's picture and words point there.
    reader_position: Literal["below", "right", "left"] = "below"

    def check(self, file: str, prefix: str) -> None:
        require(self.idle_seconds >= 20, file, f"{prefix}.idle_seconds", "too short for an elderly citizen",
                "use 60 or more")
        require(self.idle_warning_seconds >= 5, file, f"{prefix}.idle_warning_seconds",
                "too short to read the countdown and tap 继续办理", "use 15")
        # Cross-field: the countdown starts idle_seconds - idle_warning_seconds after the last touch.
        require(self.idle_warning_seconds < self.idle_seconds, file, f"{prefix}.idle_warning_seconds",
                f"{self.idle_warning_seconds} is not less than idle_seconds ({self.idle_seconds}): "
                "the countdown would start before the citizen had any time",
                f"use a number below {self.idle_seconds}, e.g. 15")


@dataclass(frozen=True)
class DropoffSettings:
    # The after-hours drop-off (自助投递). Shown only while this is on and the camera works.
    enabled: bool = True
    # Below this much free space on the data folder's disk the Home tile says the
    # service is paused, before anyone starts scanning.
    min_free_disk_mb: int = 500
    # Scans (pages and PDF) are deleted this many days after a case closes (result
    # collected, or rejected); the figures the county needs are kept.
    scan_retention_days: int = 30
    # A case waiting for 补正 this many days with nothing from the citizen lapses (逾期未补正):
    # it closes, the citizen's lookup says so, and the scans' retention starts. Without
    # this a case the citizen gave up on would keep their scans for ever.
    correction_wait_days: int = 30
    max_pages_per_material: int = 10
    max_pages: int = 40
    # Progress lookup by code + the ID number's last 4: this many wrong tries in
    # lookup_window_minutes pause lookups by code on this kiosk for that long.
    lookup_max_wrong: int = 5
    lookup_window_minutes: int = 10
    # The queue a citizen whose result is ready takes a number for (综合出件), from
    # the kiosk's progress lookup.
    collect_queue: str = "B"

    def check(self, file: str, prefix: str) -> None:
        require(50 <= self.min_free_disk_mb <= 100_000, file, f"{prefix}.min_free_disk_mb", "must be 50-100000",
                "use 500")
        require(1 <= self.scan_retention_days <= 3650, file, f"{prefix}.scan_retention_days", "must be 1-3650",
                "use 30")
        require(1 <= self.correction_wait_days <= 365, file, f"{prefix}.correction_wait_days", "must be 1-365",
                "use 30")
        require(1 <= self.max_pages_per_material <= 50, file, f"{prefix}.max_pages_per_material", "must be 1-50",
                "use 10")
        require(1 <= self.max_pages <= 200, file, f"{prefix}.max_pages", "must be 1-200", "use 40")
        require(1 <= self.lookup_max_wrong <= 50, file, f"{prefix}.lookup_max_wrong", "must be 1-50", "use 5")
        require(1 <= self.lookup_window_minutes <= 1440, file, f"{prefix}.lookup_window_minutes",
                "must be 1-1440", "use 10")


@dataclass(frozen=True)
class ServerSettings:
    # The hall server (`kiosk serve`): counter console, hall display, phone pages.
    # Loopback by default, so a fresh box serves nobody else; a hall opens it to its
    # LAN by writing the host's LAN address (or "0.0.0.0") here, and sets
    # [hall] public_url to the address phones reach.
    host: str = "127.0.0.1"
    port: int = 8080
    # A staff login lasts this long (one working day), then staff log in again.
    session_hours: int = 10
    # `kiosk run` serves the hall server itself (one box is a whole hall); false when
    # `kiosk serve` runs as its own process on this box (`kiosk run --no-server` for one run).
    with_kiosk: bool = True
    # A second kiosk: the hall box's server, e.g. "http://192.168.1.20:8080". Numbers and the
    # hall's figures then come from its API (this box draws none); empty on the hall box itself.
    hall_url: str = ""
    # Where the second kiosk's device token is (else $CREDENTIALS_DIRECTORY/qinxin-device-token
    # or <data_dir>/device.token); relative to this file. Never the token itself here.
    device_token_file: str = ""

    def check(self, file: str, prefix: str) -> None:
        require(bool(self.host.strip()) and self.host == self.host.strip() and " " not in self.host, file,
                f"{prefix}.host", f"{self.host!r} is not an address", 'write "127.0.0.1" (this box only), '
                'the hall LAN address of this box, or "0.0.0.0" (every network of this box)')
        require(1 <= self.port <= 65535, file, f"{prefix}.port", f"{self.port} is not a TCP port", "use 8080")
        require(1 <= self.session_hours <= 24, file, f"{prefix}.session_hours", "must be 1-24", "use 10")
        require(self.hall_url == "" or (re.match(r"^https?://[^\s/]+(:\d+)?/?$", self.hall_url) is not None), file,
                f"{prefix}.hall_url", f"{self.hall_url!r} is not the address of a hall server",
                'write it like "http://192.168.1.20:8080", or "" on the hall box itself')
        require(not self.device_token_file.startswith("qxk_"), file, f"{prefix}.device_token_file",
                "holds a token, not the name of a file", "save the token in a file (chmod 600) and name the file here")


@dataclass(frozen=True)
class StatsSettings:
    # Thresholds for the hall's figures (`kiosk report`): a breach raises a staff alert.
    # The 90th percentile of waits (issued -> called) above this many minutes.
    long_wait_minutes: int = 30
    # More tickets waiting at once than this.
    max_queue_length: int = 25
    # Satisfaction rate (非常满意+满意+基本满意) below this percentage, once there are
    # at least min_ratings_for_rate ratings in the period.
    min_satisfaction_percent: int = 90
    min_ratings_for_rate: int = 10
    # Drop-off cases made ready by their due date, below this percentage.
    min_dropoff_on_time_percent: int = 95
    # How often the hall server checks today's waits and queues against these (minutes).
    live_check_minutes: int = 5

    def check(self, file: str, prefix: str) -> None:
        require(1 <= self.live_check_minutes <= 60, file, f"{prefix}.live_check_minutes", "must be 1-60", "use 5")
        require(1 <= self.long_wait_minutes <= 480, file, f"{prefix}.long_wait_minutes", "must be 1-480", "use 30")
        require(1 <= self.max_queue_length <= 1000, file, f"{prefix}.max_queue_length", "must be 1-1000", "use 25")
        for key in ("min_satisfaction_percent", "min_dropoff_on_time_percent"):
            require(0 <= getattr(self, key) <= 100, file, f"{prefix}.{key}", "must be 0-100", "use 90")
        require(1 <= self.min_ratings_for_rate <= 10000, file, f"{prefix}.min_ratings_for_rate", "must be 1-10000",
                "use 10")


@dataclass(frozen=True)
class DeviceSettings:
    idcard: IdCardSettings = field(default_factory=IdCardSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)


@dataclass(frozen=True)
class Settings:
    hall: HallInfo
    hours: OpeningHours
    queues: tuple[QueueDef, ...]
    windows: tuple[WindowDef, ...]
    policy: QueuePolicy = field(default_factory=QueuePolicy)
    storage: StorageSettings = field(default_factory=StorageSettings)
    guides: GuidesSettings = field(default_factory=GuidesSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    dropoff: DropoffSettings = field(default_factory=DropoffSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    stats: StatsSettings = field(default_factory=StatsSettings)
    devices: DeviceSettings = field(default_factory=DeviceSettings)
    # Not in the file: where it was loaded from, and the data directory in effect.
    source: str = field(default="", compare=False, init=False)

    def check(self, file: str, prefix: str) -> None:
        require(bool(self.queues), file, "queues", "no queue defined", "add [[queues]] for 综合受理 (A) and 综合出件 (B)")
        seen_ids, seen_prefixes = set(), set()
        for i, queue in enumerate(self.queues):
            require(queue.id not in seen_ids, file, f"queues[{i}].id", f"{queue.id!r} used twice", "give each queue its own id")
            require(queue.prefix not in seen_prefixes, file, f"queues[{i}].prefix", f"{queue.prefix!r} used twice",
                    "give each queue its own prefix letter")
            seen_ids.add(queue.id)
            seen_prefixes.add(queue.prefix)
        numbers = set()
        for i, window in enumerate(self.windows):
            require(window.number not in numbers, file, f"windows[{i}].number", f"{window.number} used twice",
                    "give each window its own number")
            numbers.add(window.number)
            for j, queue_id in enumerate(window.queues):
                require(queue_id in seen_ids, file, f"windows[{i}].queues[{j}]", f"no queue {queue_id!r}",
                        f"use one of {sorted(seen_ids)}")
        for queue in self.queues:
            require(any(queue.id in w.queues for w in self.windows), file, "windows",
                    f"no window serves queue {queue.id!r}", f"add {queue.id!r} to some window's queues")
        require(self.dropoff.collect_queue in seen_ids, file, "dropoff.collect_queue",
                f"no queue {self.dropoff.collect_queue!r}", f"use the 综合出件 queue's id, one of {sorted(seen_ids)}")

    # -- lookups used everywhere ------------------------------------------------
    def queue(self, queue_id: str) -> QueueDef | None:
        for queue in self.queues:
            if queue.id == queue_id or queue.prefix == queue_id:
                return queue
        return None

    def window(self, number: int) -> WindowDef | None:
        for window in self.windows:
            if window.number == number:
                return window
        return None

    @property
    def data_dir(self) -> Path:
        override = os.environ.get("KIOSK_DATA_DIR")
        return Path(override or self.storage.data_dir).expanduser()

    @property
    def database_path(self) -> Path:
        return self.data_dir / "hall.db"

    def priority_ids(self) -> tuple[str, ...]:
        return ("normal",) + tuple(p.id for p in self.policy.priority_classes)


def default_config_dir() -> Path:
    """The packaged `config/` directory (installed as `kiosk.default_config`).

    In a source checkout the tree's own `config/` wins: an editable install maps
    `kiosk.default_config` to the checkout it was installed from, which for a git
    worktree is another tree, so its code would read someone else's settings.
    """
    source_tree = Path(__file__).resolve().parent.parent
    if (source_tree / "pyproject.toml").is_file() and (source_tree / "config" / "hall.toml").is_file():
        return source_tree / "config"
    try:
        return Path(str(resources.files("kiosk.default_config")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "config"


def default_config_path() -> Path:
    return default_config_dir() / "hall.toml"


def load_settings(path: str | Path | None = None) -> Settings:
    """Load and validate settings; raises ConfigError naming file, key and fix."""
    if path is None:
        path = os.environ.get("KIOSK_CONFIG") or default_config_path()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "(file)", "file not found", "check the path, or omit --config to use the default") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "(file)", "not UTF-8 text", "save the file as UTF-8") from None
    except OSError as exc:  # a folder where the file should be, no permission, I/O error
        raise ConfigError(str(path), "(file)", f"cannot be read: {exc.strerror or exc}",
                          "make it a readable file (owner and permissions)") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "(syntax)", f"TOML syntax error: {exc}", "fix the line named; strings need quotes") from None
    _refuse_retired_keys(raw, str(path))
    settings = build(Settings, raw, path)
    return _with_source(settings, str(path))


# Keys an older version read, with why they went and what to do instead.
RETIRED_KEYS = {
    ("kiosk", "staff_pin"): (
        "the staff PIN no longer lives in the settings file (it was kept there in plain text, "
        "and this file is copied from hall to hall)",
        "delete this line, then set the PIN at this machine's terminal with `kiosk staff set-pin` "
        "(it is stored hashed in the data directory)",
    ),
}


def _refuse_retired_keys(raw: dict, file: str) -> None:
    for (section, key), (problem, fix) in RETIRED_KEYS.items():
        table = raw.get(section)
        if isinstance(table, dict) and key in table:
            raise ConfigError(file, f"{section}.{key}", problem, fix)


def _with_source(settings: Settings, source: str) -> Settings:
    object.__setattr__(settings, "source", source)
    return settings

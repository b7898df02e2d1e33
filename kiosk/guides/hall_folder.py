"""Where the hall's own matter catalogue lives, and its first filling from the package.

The packaged catalogue (`kiosk.default_config/matters`) is replaced on every upgrade,
so a hall never edits it. The hall's own folder sits beside its settings file
(`<folder of hall.toml>/matters/`, or `[guides] matters_dir`); a hall still on the
packaged default settings has no folder of its own to write beside, so its copy lives
in the data directory (`<data_dir>/matters/`), which upgrades never touch either.

On first use the folder is seeded with a copy of the packaged files and a README
saying it is now the hall's own. Once it exists it is never written again by the
kiosk: not on upgrade, not when it is empty (a hall may empty it on purpose).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from devices.base.errors import ConfigError
from kiosk.config import Settings, default_config_path

__all__ = ["SEED_NOTE", "hall_matters_dir", "prepare_hall_matters", "seed_matters"]

log = logging.getLogger("kiosk.guides")

# Written into a freshly seeded folder. Read by hall staff: Chinese first.
SEED_NOTE = "README.txt"
SEED_NOTE_TEXT = """\
本文件夹是本中心自己的办事指南（每个事项一个 .toml 文件）。
首次运行时从软件自带的示例复制而来，此后归本中心所有：升级软件不会覆盖这里的文件。
修改后请运行 `kiosk guides check` 检查；用 `kiosk guides import 清单.csv` 导入本中心公布的事项清单。
示例文件（provenance.sample = true）在屏幕上显示“示例内容”，核对后改为 sample = false 并填写 verified_date。

This folder is the hall's own service-guide catalogue (one .toml file per matter).
It was copied from the packaged samples on first run ({source}) and now belongs to
the hall: upgrades never overwrite it. Run `kiosk guides check` after editing;
`kiosk guides import LIST.csv` writes the hall's published list into it.
"""


def hall_matters_dir(settings: Settings) -> Path:
    """The hall's catalogue folder for these settings (it may not exist yet)."""
    configured = settings.guides.matters_dir
    base = Path(settings.source).parent if settings.source else Path.cwd()
    if configured:
        folder = Path(configured).expanduser()
        return folder if folder.is_absolute() else base / folder
    if not settings.source or _same_file(Path(settings.source), default_config_path()):
        # The packaged hall.toml sits inside the installed package: anything written
        # beside it is lost on upgrade, so the hall's copy goes to the data directory.
        return settings.data_dir / "matters"
    return base / "matters"


def seed_matters(folder: Path, packaged: Path | None = None) -> bool:
    """Fill `folder` from the packaged catalogue if it does not exist. True if seeded.

    The copy is made beside the folder and renamed into place, so a power cut or a
    second process never leaves a half-filled folder that would then be kept.
    """
    if folder.exists():
        return False
    if packaged is None:
        from kiosk.guides.catalogue import default_matters_dir

        packaged = default_matters_dir()
    staging = folder.with_name(f".{folder.name}.seeding-{os.getpid()}")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for path in sorted(packaged.glob("*.toml")):
            shutil.copy2(path, staging / path.name)
        (staging / SEED_NOTE).write_text(SEED_NOTE_TEXT.format(source=packaged), encoding="utf-8")
        try:
            staging.rename(folder)
        except OSError:
            if folder.is_dir():  # another process seeded it first: theirs stands
                shutil.rmtree(staging, ignore_errors=True)
                return False
            raise
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ConfigError(str(folder), "guides.matters_dir", f"cannot create the hall's matters folder: "
                          f"{exc.strerror or exc}", "make the folder's parent writable, or set [guides] matters_dir "
                          "to a writable folder") from None
    log.info("seeded the hall's matters folder %s from %s", folder, packaged)
    return True


def prepare_hall_matters(settings: Settings) -> Path:
    """The hall's catalogue folder, seeded on first use. Raises ConfigError if it cannot be made."""
    folder = hall_matters_dir(settings)
    seed_matters(folder)
    return folder


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False

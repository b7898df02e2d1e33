"""Sealed scan files under `<data_dir>/scans`, named by a keyed hash of their content.

Atomic submission, with the database as the one truth of what exists:
1. the writer opens an *intent* file in `scans/.incoming/` and holds an exclusive
   lock (flock) on it for as long as the submission is in flight; each blob name is
   written (and fsynced) into it before the blob itself;
2. each blob is written beside its final name, fsynced, renamed into place, and the
   folder fsynced;
3. the database row referencing the blobs is committed (synchronous=FULL);
4. the intent file is removed.
A crash anywhere before 3 leaves blobs that no row references. `sweep()` (at
start-up, and daily) deletes every blob that is neither referenced by a row nor
named in a live intent (one whose lock is still held, i.e. a submission another
process is making right now); dead intents go too. Sweep reads, in this order, the
blob files, the live intents, the database's references: a blob written after the
first read is not seen, one whose writer is live is protected, one whose writer
finished has its row committed before its intent disappeared.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import secrets
from pathlib import Path
from typing import Callable, Iterable

from kiosk.dropoff.vault import Vault
from kiosk.errors import StoreError
from kiosk.privacy import make_private_dir

log = logging.getLogger(__name__)

SUFFIX = ".qxs"
DISK_FULL_ZH = "存储空间不够，暂时不能保存材料，请联系工作人员"


class DiskFull(StoreError):
    code = "disk_full"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Intent:
    """A submission in flight: the blobs it writes are safe from a concurrent sweep."""

    def __init__(self, folder: Path) -> None:
        make_private_dir(folder)
        self.path = folder / f"{secrets.token_hex(8)}.intent"
        self._fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def add(self, name: str) -> None:
        os.write(self._fd, (name + "\n").encode("ascii"))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def __enter__(self) -> "Intent":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class BlobStore:
    def __init__(self, root: Path, vault: Vault) -> None:
        self.root = Path(root)
        self.vault = vault
        self.incoming = self.root / ".incoming"

    def _path(self, name: str) -> Path:
        if len(name) != 64 or not all(c in "0123456789abcdef" for c in name):
            raise ValueError(f"not a blob name: {name!r}")
        return self.root / name[:2] / (name + SUFFIX)

    def intent(self) -> Intent:
        make_private_dir(self.root)
        return Intent(self.incoming)

    def put(self, plain: bytes, intent: Intent) -> str:
        """Seal and store `plain`; its name. Durable when this returns."""
        name = self.vault.content_name(plain)
        path = self._path(name)
        intent.add(name)
        if path.exists():
            return name  # the same page again: one file, referenced twice
        sealed = self.vault.seal(plain, "blob:" + name)
        make_private_dir(path.parent)
        scratch = path.with_name(f".{name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(scratch, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            try:
                view = memoryview(sealed)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(scratch, path)
            _fsync_dir(path.parent)
        except OSError as exc:
            scratch.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(f"no space left writing a scan under {self.root}", DISK_FULL_ZH) from exc
            raise StoreError(f"cannot write a scan under {self.root}: {exc}",
                             "材料保存失败，请联系工作人员") from exc
        return name

    def get(self, name: str) -> bytes:
        try:
            sealed = self._path(name).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"scan {name[:12]}… is missing from {self.root}", "材料文件找不到了，请联系工作人员",
                             blob=name) from None
        return self.vault.open(sealed, "blob:" + name)

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def delete(self, name: str) -> bool:
        try:
            self._path(name).unlink()
            return True
        except FileNotFoundError:
            return False

    def names_on_disk(self) -> set[str]:
        if not self.root.is_dir():
            return set()
        return {p.name[: -len(SUFFIX)] for p in self.root.glob(f"??/*{SUFFIX}")}

    def _live_intents(self) -> set[str]:
        live: set[str] = set()
        if not self.incoming.is_dir():
            return live
        for intent in self.incoming.glob("*.intent"):
            try:
                fd = os.open(intent, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    # Its writer is alive: everything it named is protected.
                    live.update(os.read(fd, 1 << 20).decode("ascii", "replace").split())
                    continue
                intent.unlink(missing_ok=True)  # its writer died: the intent is void
            finally:
                os.close(fd)
        return live

    def sweep(self, referenced: Callable[[], Iterable[str]]) -> list[str]:
        """Delete blobs nothing refers to (crashed submissions); the names deleted."""
        on_disk = self.names_on_disk()
        live = self._live_intents()
        kept = set(referenced())
        removed = []
        for name in sorted(on_disk - live - kept):
            if self.delete(name):
                removed.append(name)
        for part in self.root.glob("??/.*.part") if self.root.is_dir() else ():
            if part.name[1:65] not in live:  # a live writer's half-written file is its own
                part.unlink(missing_ok=True)
        if removed:
            log.warning("removed %d scan file(s) of submissions that never completed", len(removed))
        return removed

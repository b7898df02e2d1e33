"""Masking and keyed hashing of personal data.

ID numbers and names never leave the process in clear except where a flow needs
them: everything shown, printed or logged goes through these functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import logging
import re
import secrets
import stat
import tempfile
from pathlib import Path

from kiosk.errors import StoreError

log = logging.getLogger(__name__)

KEY_BYTES = 32
# The data folder holds the hall database (tickets, holder hashes) and the key that
# makes the hashes mean anything: only the kiosk's own user may open either. The
# kiosk sets this umask when it starts (kiosk.cli main, `kiosk run`), and the places
# that create the files chmod them as well, since the folder may predate this rule.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_TICKET_LINK = re.compile(r"([1-9][0-9]{0,17})-([a-z2-7]{12})", re.ASCII)


def make_private_dir(path: Path, *, create: bool = True) -> Path:
    """Create `path` with mode 0700, or take group and other access away from an existing one.

    A folder that was open to others (created by an older version, or by hand with
    0755) is tightened and the change is logged. A folder not owned by this user,
    or a shared sticky one such as /tmp, is left alone with a warning: tightening
    it would lock other people out of their own files. Raises OSError only if the
    folder cannot be created.
    """
    path = Path(path)
    if create:
        # mkdir applies the mode (masked by the umask) to the new leaf; parents it
        # creates get the umask's default, which the kiosk has set to 077.
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    try:
        info = path.stat()
    except FileNotFoundError:
        return path
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o077:
        return path
    if info.st_uid != os.geteuid() or mode & stat.S_ISVTX:
        log.warning("data folder %s is open to others (mode %o) but is shared or not ours: left as it is",
                    path, mode)
        return path
    try:
        os.chmod(path, mode & PRIVATE_DIR_MODE)
    except OSError as exc:  # a read-only mount: say so, the kiosk can still run
        log.warning("data folder %s is open to others (mode %o) and could not be tightened: %s", path, mode, exc)
        return path
    log.warning("data folder %s was open to others (mode %o): tightened to %o", path, mode, mode & PRIVATE_DIR_MODE)
    return path


def make_private_file(path: Path) -> bool:
    """Take group and other access away from an existing file; True if its mode was changed.

    A missing file is fine (SQLite's -wal and -shm come and go).
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if not mode & 0o077:
        return False
    try:
        os.chmod(path, mode & PRIVATE_FILE_MODE)
    except OSError as exc:
        log.warning("%s is readable by others (mode %o) and could not be tightened: %s", path, mode, exc)
        return False
    log.info("%s was open to others (mode %o): tightened to %o", path, mode, mode & PRIVATE_FILE_MODE)
    return True


class HolderKey:
    """HMAC key for holder hashes, kept in the data directory, created on first use.

    A keyed hash (not a plain SHA-256) because the space of ID numbers is small
    enough to brute-force: without the key, a copied database reveals nothing.
    """

    FILE_NAME = "holder.key"

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / self.FILE_NAME
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            self._key = self._load_or_create()
        return self._key

    def _load_or_create(self) -> bytes:
        # The key lives in the data folder itself: the folder is made (or tightened to)
        # 0700, and a key file an older version left readable by others is chmodded.
        make_private_dir(self.path.parent)
        make_private_file(self.path)
        for _attempt in range(3):
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                self._publish_new_key()
                continue  # read back whichever key won, ours or another process's
            if len(data) < KEY_BYTES:
                # Keys are published whole (link of a finished file), so a short one
                # is damage: hashing with it would make every link forgeable.
                raise StoreError(f"{self.path} holds {len(data)} bytes, not a {KEY_BYTES}-byte key",
                                 "数据文件损坏或无法写入，请联系工作人员", path=str(self.path))
            return data
        raise StoreError(f"cannot create {self.path}", "数据文件损坏或无法写入，请联系工作人员", path=str(self.path))

    def _publish_new_key(self) -> None:
        """Write a new key beside its final name, fsync it, then link it into place.

        link() fails if the name exists, so of two processes starting together one
        key wins and the other reads it; nobody ever sees a half-written file.
        """
        fd, scratch = tempfile.mkstemp(dir=self.path.parent, prefix=".holder.key.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(scratch, 0o600)
            try:
                os.link(scratch, self.path)
            except FileExistsError:
                pass  # another process published first: its key is the hall's key
        finally:
            os.unlink(scratch)

    def holder_hash(self, id_number: str) -> str:
        normalised = str(id_number).strip().upper()
        return hmac.new(self.key(), normalised.encode("ascii", "replace"), hashlib.sha256).hexdigest()

    # -- ticket links ---------------------------------------------------------------
    # A printed ticket's QR opens its progress page. Ticket ids are sequential, so
    # /t/<id> alone would let anyone walk every citizen's ticket; the link carries
    # a MAC of the id under the hall's key (domain-separated from holder hashes),
    # which the hall server checks without storing anything per ticket.
    TICKET_LINK_CHARS = 12

    def ticket_link_token(self, ticket_id: int) -> str:
        """`42` -> `42-k3m9x2q7c8aa`: the id, then 60 bits of MAC in lowercase base32."""
        return f"{int(ticket_id)}-{self._ticket_mac(int(ticket_id))}"

    def ticket_id_from_link(self, token: str) -> int | None:
        """The ticket id a link token stands for, or None if it was not made with this key.

        Only the canonical form is accepted (ASCII digits without leading zeros, then
        12 base32 letters): anything else a browser sends is simply not a ticket.
        """
        match = _TICKET_LINK.fullmatch(str(token).strip().lower())
        if match is None:
            return None
        ticket_id = int(match.group(1))
        expected = self._ticket_mac(ticket_id).encode("ascii")
        return ticket_id if hmac.compare_digest(match.group(2).encode("ascii"), expected) else None

    def _ticket_mac(self, ticket_id: int) -> str:
        digest = hmac.new(self.key(), f"ticket-link:{ticket_id}".encode("ascii"), hashlib.sha256).digest()
        return base64.b32encode(digest).decode("ascii").lower()[: self.TICKET_LINK_CHARS]


"""The drop-off key, and what it protects: scans and the holder's details at rest.

One 32-byte master key per hall. Three keys are derived from it (HKDF-SHA256,
domain-separated), so no single use can leak another:
- `seal`: AES-256-GCM for scan files and for the name, ID number and phone in the
  database. Each sealed item carries a fresh 96-bit nonce and is bound (associated
  data) to what it is, so a file swapped under another name or a field pasted into
  another row fails to open instead of showing the wrong citizen's page;
- `name`: the keyed hash that names a scan file after its content. A plain SHA-256
  would let anyone holding a copy of a known document confirm it is in the hall;
- `lookup`: the keyed hash of an ID number that finds a citizen's drop-offs when
  they tap their card (ID numbers are few enough to brute-force a plain hash).

Where the key comes from, first match wins:
1. `$CREDENTIALS_DIRECTORY/qinxin-dropoff-key`: systemd's LoadCredentialEncrypted=
   (deploy/): decrypted by systemd, TPM2-bound where the box has one, readable only
   by the service, never on disk in clear;
2. `<data_dir>/dropoff.key`, created on first run (0600 in a 0700 folder) and
   published atomically so two processes starting together agree on one key.
Losing the key loses every scan: `kiosk dropoff key-status` says where it lives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import StoreError
from kiosk.privacy import make_private_dir, make_private_file

log = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE_NAME = "dropoff.key"
CREDENTIAL_NAME = "qinxin-dropoff-key"
# Sealed blobs start with this, so a file that is not ours (or a future format) is
# refused by name rather than failing somewhere inside AES.
MAGIC = b"QXS1"
_KEY_DAMAGED_ZH = "投递资料的密钥损坏或无法读取，请联系工作人员"


class SealBroken(StoreError):
    """A sealed item does not open with this hall's key: damaged, swapped or from another hall."""

    code = "seal_broken"


@dataclass(frozen=True)
class KeySource:
    path: Path
    from_credentials: bool


def find_key_source(data_dir: Path) -> KeySource:
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials:
        candidate = Path(credentials) / CREDENTIAL_NAME
        if candidate.exists():
            return KeySource(candidate, True)
    return KeySource(Path(data_dir) / KEY_FILE_NAME, False)


def _load_master_key(source: KeySource) -> bytes:
    if source.from_credentials:
        data = source.path.read_bytes()
    else:
        make_private_dir(source.path.parent)
        make_private_file(source.path)
        data = b""
        for _attempt in range(3):
            try:
                data = source.path.read_bytes()
                break
            except FileNotFoundError:
                _publish_new_key(source.path)
    data = data.strip() if len(data) != KEY_BYTES else data
    if len(data) == 2 * KEY_BYTES:  # a credential written as hex text
        try:
            data = bytes.fromhex(data.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            pass
    if len(data) != KEY_BYTES:
        raise StoreError(f"{source.path} holds {len(data)} bytes, not a {KEY_BYTES}-byte key",
                         _KEY_DAMAGED_ZH, path=str(source.path))
    return data


def _publish_new_key(path: Path) -> None:
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(scratch, 0o600)
        try:
            os.link(scratch, path)  # fails if another process published first: its key wins
            log.warning("created a new drop-off key at %s: back it up, scans cannot be read without it", path)
        except FileExistsError:
            pass
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        os.unlink(scratch)


def _derive(master: bytes, purpose: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=f"qinxin-dropoff/{purpose}".encode("ascii")).derive(master)


class Vault:
    """Seal and open bytes and short texts with the hall's drop-off key."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.source = find_key_source(self.data_dir)
        self._keys: tuple[bytes, bytes, bytes] | None = None

    def _material(self) -> tuple[bytes, bytes, bytes]:
        if self._keys is None:
            master = _load_master_key(self.source)
            if self.source.from_credentials:
                self._refuse_a_second_key(master)
            self._keys = (_derive(master, "seal"), _derive(master, "name"), _derive(master, "lookup"))
        return self._keys

    def _refuse_a_second_key(self, master: bytes) -> None:
        """A key file left from before the credential was set up sealed earlier scans:
        sealing new ones with another key would split the hall's scans in two."""
        own = self.data_dir / KEY_FILE_NAME
        if own.exists() and own.read_bytes() != master:
            raise StoreError(f"two different drop-off keys: the systemd credential and {own}; "
                             "re-create the credential from that file (deploy/README.md, Drop-off key)",
                             _KEY_DAMAGED_ZH, path=str(own))

    # -- bytes ----------------------------------------------------------------------
    def seal(self, plain: bytes, context: str) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(NONCE_BYTES)
        return MAGIC + nonce + AESGCM(self._material()[0]).encrypt(nonce, plain, context.encode("utf-8"))

    def open(self, sealed: bytes, context: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + NONCE_BYTES + 16:
            raise SealBroken(f"not a sealed item ({context})", _KEY_DAMAGED_ZH)
        nonce = sealed[len(MAGIC):len(MAGIC) + NONCE_BYTES]
        try:
            return AESGCM(self._material()[0]).decrypt(nonce, sealed[len(MAGIC) + NONCE_BYTES:],
                                                       context.encode("utf-8"))
        except InvalidTag:
            raise SealBroken(f"sealed item does not open with this hall's key ({context})", _KEY_DAMAGED_ZH) from None

    # -- short texts (database fields) --------------------------------------------------
    def seal_text(self, text: str, context: str) -> str:
        return base64.b64encode(self.seal(text.encode("utf-8"), context)).decode("ascii")

    def open_text(self, sealed: str, context: str) -> str:
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise SealBroken(f"not a sealed text ({context})", _KEY_DAMAGED_ZH) from None
        return self.open(raw, context).decode("utf-8")

    # -- keyed hashes -----------------------------------------------------------------------
    def content_name(self, plain: bytes) -> str:
        return hmac.new(self._material()[1], plain, hashlib.sha256).hexdigest()

    def lookup_hash(self, id_number: str) -> str:
        normalised = str(id_number).strip().upper()
        return hmac.new(self._material()[2], normalised.encode("ascii", "replace"), hashlib.sha256).hexdigest()

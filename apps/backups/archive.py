"""The archive file: a tar of a manifest and COPY-format tables, gzipped, then encrypted with Fernet.

One file per tenant export. Fernet authenticates as well as encrypts, so a flipped bit or a truncated
file fails to decrypt (``ArchiveRefused``) before anything is read, let alone written. The key ring is
``BACKUP_ENCRYPTION_KEY`` (comma-separated; the first encrypts, all decrypt: rotation without losing old
archives); without it a key is derived from SECRET_KEY, good for development only.
"""

import base64
import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class ArchiveRefused(Exception):
    """The archive cannot be restored here; nothing was written."""


def _fernet_for(secret: str) -> Fernet:
    # A proper Fernet key is used as is; any other string is stretched to the 32 bytes Fernet needs.
    try:
        return Fernet(secret.encode())
    except ValueError:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def backup_keys() -> MultiFernet:
    secrets = [key for key in settings.BACKUP_ENCRYPTION_KEYS if key]
    if not secrets:
        secrets = ["backup-archive:" + settings.SECRET_KEY]
    return MultiFernet([_fernet_for(secret) for secret in secrets])


@dataclass
class Archive:
    """The decrypted content: the manifest and one COPY text stream per table."""

    manifest: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    def table(self, section: str, table: str) -> bytes:
        return self.files.get(f"{section}/{table}.copy", b"")


def archive_pack(archive: Archive) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in [(MANIFEST, json.dumps(archive.manifest, indent=1).encode()), *archive.files.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return backup_keys().encrypt(gzip.compress(buffer.getvalue(), mtime=0))


def archive_unpack(token: bytes) -> Archive:
    try:
        raw = gzip.decompress(backup_keys().decrypt(token))
    except InvalidToken as exc:
        raise ArchiveRefused(
            "The archive is corrupt, truncated or encrypted with another key (its MAC does not verify)."
        ) from exc
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r") as tar:
        for member in tar.getmembers():
            extracted = tar.extractfile(member)
            files[member.name] = extracted.read() if extracted else b""
    if MANIFEST not in files:
        raise ArchiveRefused("The archive has no manifest.")
    manifest = json.loads(files.pop(MANIFEST))
    if manifest.get("format") != FORMAT_VERSION:
        raise ArchiveRefused(
            f"Archive format {manifest.get('format')!r} is not supported (this code reads {FORMAT_VERSION})."
        )
    return Archive(manifest=manifest, files=files)

"""Secrets encrypted at rest with keys from the environment (FIELD_ENCRYPTION_KEYS, newest first).

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS and keep the old ones after it; new values
are encrypted with the first, every listed key still decrypts, and `manage.py rotate_field_encryption`
re-encrypts what is stored (docs/hardening.md). FIELD_ENCRYPTION_KEY alone is a list of one.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_for(key: str) -> Fernet:
    # Any string works as a key: it is stretched to the 32 bytes Fernet needs.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def _keys() -> list[str]:
    keys = [k for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or [settings.FIELD_ENCRYPTION_KEY] if k]
    if not keys:
        raise ValueError("No field encryption key: set FIELD_ENCRYPTION_KEYS (newest first) or FIELD_ENCRYPTION_KEY.")
    return keys


def _multi() -> MultiFernet:
    return MultiFernet([_fernet_for(key) for key in _keys()])


def secret_encrypt(value: str) -> str:
    return _multi().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _multi().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("This secret was encrypted with a key that is not in FIELD_ENCRYPTION_KEYS.") from exc


def secret_is_current(token: str) -> bool:
    """True when `token` is empty or already encrypted with the first (current) key."""
    if not token:
        return True
    try:
        _fernet_for(_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def secret_reencrypt(token: str) -> str:
    """`token` encrypted with the current key (same plaintext); ValueError when no listed key opens it."""
    if not token:
        return ""
    try:
        return _multi().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("This secret was encrypted with a key that is not in FIELD_ENCRYPTION_KEYS.") from exc

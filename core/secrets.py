"""Secrets at rest (DESIGN.md rule 25): Fernet tokens under keys from the environment.

``settings.SECRET_ENCRYPTION_KEYS`` lists the keys newest first (``LEADPOOL_SECRET_KEYS``): the first
encrypts, every one decrypts, so a key is rotated by putting a new one in front, re-encrypting what is
stored (``rotate``) and then dropping the old one. While debugging with no keys set, one key is derived
from ``SECRET_KEY``; the deploy checks refuse to run without real ones.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# Every model field that stores a secret under these keys, as (model, field names): ``rotate_secrets``
# re-encrypts them all. Each app registers its own in its AppConfig.ready; tests/test_stored_secrets.py
# fails for a field named ``*_encrypted`` that is not registered.
STORED: list[tuple[type, tuple[str, ...]]] = []


def register_stored(model: type, *fields: str) -> None:
    STORED.append((model, fields))


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys opens (a key was dropped too early)."""


def _derived_key() -> bytes:
    digest = hashlib.sha256(f"leadpool-secrets:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    keys = [key.encode() for key in settings.SECRET_ENCRYPTION_KEYS]
    if not keys:
        if not settings.DEBUG:
            raise SecretUnreadable("LEADPOOL_SECRET_KEYS is not set.")
        keys = [_derived_key()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str) -> str:
    """The token for ``plain``; "" stays "" (no secret)."""
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No configured key opens this secret.") from exc


def rotate(token: str) -> str:
    """The same secret under the newest key."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No configured key opens this secret.") from exc

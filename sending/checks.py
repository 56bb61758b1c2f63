"""Deploy checks of sending (``manage.py check --deploy``): rule 25's keys for the mailbox passwords."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


def secret_keys(app_configs=None, **kwargs):
    """Without real keys, passwords would be encrypted under one derived from SECRET_KEY (debug only)."""
    if settings.DEBUG:
        return []
    keys = settings.SECRET_ENCRYPTION_KEYS
    if not keys:
        return [
            checks.Error(
                "LEADPOOL_SECRET_KEYS is not set: mailbox passwords cannot be encrypted.",
                hint='Generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="sending.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    f"Key {position} of LEADPOOL_SECRET_KEYS is not a Fernet key (32 url-safe base64 bytes).",
                    hint="Comma-separated, newest first; make one with Fernet.generate_key().",
                    id="sending.E002",
                )
            )
    return errors

"""System checks that keep a misconfigured production server from starting (issue 12).

Django runs registered checks for `manage.py check`, `migrate` and `runserver`, but not under WSGI or in
Celery: config/wsgi.py and config/celery.py call run_startup_checks() so gunicorn, the worker and beat
refuse to start on the same errors.
"""

import base64
import binascii

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MIN_HASH_KEY_LENGTH = 32
GENERATE_FERNET = (
    'Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
GENERATE_SECRET = 'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


@checks.register()
def identity_keys_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production needs explicit identity keys: derived from SECRET_KEY, a new SECRET_KEY loses every identity."""
    errors = []
    keys = [key.strip() for key in getattr(settings, "IDENTITY_KEYS", []) if key.strip()]
    hash_key = getattr(settings, "IDENTITY_HASH_KEY", "")
    if not keys and not settings.DEBUG:
        errors.append(
            checks.Error(
                "IDENTITY_KEYS is not set: with DEBUG=0 the keys that encrypt reporter identities must be explicit "
                "(derived from SECRET_KEY, changing SECRET_KEY would make every identity unreadable).",
                hint=f"Set IDENTITY_KEYS to one or more comma-separated Fernet keys, newest first. {GENERATE_FERNET}",
                id="core.E001",
            )
        )
    for position, key in enumerate(keys, start=1):
        if not _is_fernet_key(key):
            errors.append(
                checks.Error(
                    f"IDENTITY_KEYS: key {position} of {len(keys)} is not a valid Fernet key "
                    "(32 bytes in URL-safe base64, 44 characters).",
                    hint=GENERATE_FERNET,
                    id="core.E002",
                )
            )
    if not hash_key and not settings.DEBUG:
        errors.append(
            checks.Error(
                "IDENTITY_HASH_KEY is not set: with DEBUG=0 the key of the receipt-code and repeat-reporter "
                "hashes must be explicit (derived from SECRET_KEY, changing SECRET_KEY would make every receipt "
                "code unknown).",
                hint=f"Set IDENTITY_HASH_KEY to a random secret of at least {MIN_HASH_KEY_LENGTH} characters, "
                f"and never change it. {GENERATE_SECRET}",
                id="core.E003",
            )
        )
    elif hash_key and len(hash_key) < MIN_HASH_KEY_LENGTH:
        errors.append(
            checks.Error(
                f"IDENTITY_HASH_KEY is too short: it needs at least {MIN_HASH_KEY_LENGTH} characters.",
                hint=GENERATE_SECRET,
                id="core.E004",
            )
        )
    return errors


def run_startup_checks() -> None:
    """Run the system checks as `manage.py check` does, and refuse to start on any error."""
    messages = checks.run_checks(include_deployment_checks=False)
    errors = [m for m in messages if m.level >= checks.ERROR and not m.is_silenced()]
    if errors:
        listing = "\n".join(str(message) for message in errors)
        raise ImproperlyConfigured(f"System check identified errors; refusing to start:\n{listing}")

"""Encryption at rest for the reporter's identity, and keyed hashes for looking it up.

Keys come from the environment: IDENTITY_KEYS is a comma-separated list of Fernet keys, newest first
(MultiFernet decrypts with any and encrypts with the first, so keys rotate without downtime).
IDENTITY_HASH_KEY keys the lookup hashes. Both fall back to keys derived from SECRET_KEY so the
embedded default needs no variables.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _derived_key(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    configured = [k.strip() for k in os.environ.get("IDENTITY_KEYS", "").split(",") if k.strip()]
    keys = configured or [base64.urlsafe_b64encode(_derived_key("identity-encryption")).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def reset_keys() -> None:
    _fernet.cache_clear()
    _hash_key.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode()


@lru_cache(maxsize=1)
def _hash_key() -> bytes:
    configured = os.environ.get("IDENTITY_HASH_KEY", "")
    return configured.encode() if configured else _derived_key("identity-hash")


def keyed_hash(value: str, *, purpose: str) -> str:
    """A stable keyed hash: equal inputs match, and the table alone does not give the input away."""
    normalised = "".join(value.split()).upper()
    return hmac.new(_hash_key(), f"{purpose}:{normalised}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted; reads give plaintext. Not searchable: use a keyed hash beside it."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

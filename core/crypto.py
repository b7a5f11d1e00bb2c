"""Encryption at rest for the reporter's identity, and keyed hashes for looking it up.

Keys come from settings (IDENTITY_KEYS and IDENTITY_HASH_KEY, read from the environment): IDENTITY_KEYS is a
list of Fernet keys, newest first (MultiFernet decrypts with any and encrypts with the first, so keys rotate
without downtime); IDENTITY_HASH_KEY keys the lookup hashes. With DEBUG=1 and no keys set, both are derived
from SECRET_KEY so the embedded default needs no variables; with DEBUG=0 the system checks (core/checks.py)
refuse to start without explicit keys, since a new SECRET_KEY would lose every identity and receipt code.

A value no configured key opens is never turned into "": decrypt() raises DecryptionError, and the field
reads an Undecryptable marker that says so wherever it is shown and is written back unchanged.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext


class DecryptionError(Exception):
    """No configured key opens this value: IDENTITY_KEYS lost or changed since it was written."""


class Undecryptable:
    """What an encrypted field reads when no configured key opens its value.

    It is truthy and shows as a "cannot be decrypted" marker, never as an empty name; it keeps the
    ciphertext so that saving the row writes the value back as it was, and never shows the ciphertext.
    """

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __str__(self) -> str:
        return gettext("[identity cannot be decrypted: key missing]")

    def __repr__(self) -> str:
        return "<Undecryptable>"

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other) -> bool:
        return isinstance(other, Undecryptable) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


def _derived_key(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


def configured_keys() -> list[str]:
    return [key.strip() for key in getattr(settings, "IDENTITY_KEYS", []) if key.strip()]


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = configured_keys() or [base64.urlsafe_b64encode(_derived_key("identity-encryption")).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def reset_keys() -> None:
    _fernet.cache_clear()
    _hash_key.cache_clear()


@receiver(setting_changed)
def _keys_changed(*, setting, **kwargs) -> None:
    if setting in {"IDENTITY_KEYS", "IDENTITY_HASH_KEY", "SECRET_KEY"}:
        reset_keys()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("no key of IDENTITY_KEYS opens this value") from error


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode()


@lru_cache(maxsize=1)
def _hash_key() -> bytes:
    configured = getattr(settings, "IDENTITY_HASH_KEY", "")
    return configured.encode() if configured else _derived_key("identity-hash")


def keyed_hash(value: str, *, purpose: str) -> str:
    """A stable keyed hash: equal inputs match, and the table alone does not give the input away."""
    normalised = "".join(value.split()).upper()
    return hmac.new(_hash_key(), f"{purpose}:{normalised}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted; reads give plaintext, or Undecryptable. Not searchable: use a keyed hash beside it."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except DecryptionError:
            # Loading the row must not fail (every page of the report reads it); whoever shows the value
            # finds the marker, and cases.services.identity reports it with the row's id.
            return Undecryptable(value)

    def get_prep_value(self, value):
        if isinstance(value, Undecryptable):
            return value.token
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

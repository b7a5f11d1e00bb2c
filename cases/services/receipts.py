"""A receipt code shown again, once, to the browser that sent a report form twice.

The code is shown once and kept only as a keyed hash. When a form is sent twice (a double click, a lost answer,
the browser's "resend"), the second answer would otherwise find the report already registered and have no code to
show: the reporter would never learn it. So for a short while the code of a report registered with a submission
token is kept, encrypted, in the cache, under the token and bound to the browser that sent it (a keyed hash of its
CSRF secret, which only that browser holds). The first answer to a repeated form from that browser takes it and
it is gone; another browser replaying the token gets nothing.
"""

import json
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token

from core.crypto import decrypt, encrypt, keyed_hash

logger = logging.getLogger(__name__)


def browser_of(request) -> str:
    """An opaque key of the browser that sent `request` (its CSRF secret, hashed; set now if it has none)."""
    if not request.META.get("CSRF_COOKIE"):
        get_token(request)  # a new secret, sent to the browser as its CSRF cookie with this answer
    return keyed_hash(request.META["CSRF_COOKIE"], purpose="receipt-browser")


def _key(token: uuid.UUID) -> str:
    return f"receipt-again:{keyed_hash(str(token), purpose='receipt-again')}"


def keep(*, token: uuid.UUID | None, code: str | None, browser: str) -> None:
    if not (token and code and browser):
        return
    value = encrypt(json.dumps({"code": code, "browser": browser}))
    try:
        cache.set(_key(token), value, timeout=settings.RECEIPT_RESHOW_SECONDS)
    except Exception as error:  # the cache down: the code is still shown in the first answer
        logger.warning("receipt not kept for a resubmission: %s", type(error).__name__)


def take(*, token: uuid.UUID | None, browser: str) -> str | None:
    """The code kept for `token` if `browser` sent it, once; None otherwise."""
    if not (token and browser):
        return None
    try:
        value = cache.get(_key(token))
        if value is None:
            return None
        kept = json.loads(decrypt(value))
        if kept.get("browser") != browser or not cache.delete(_key(token)):
            return None
    except Exception as error:
        logger.warning("receipt not read for a resubmission: %s", type(error).__name__)
        return None
    return kept.get("code")

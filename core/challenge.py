"""An offline challenge against bots: a small sum whose answer travels signed and expires, used once.

The token carries only a keyed digest of the answer, never the answer, so reading the form does not
solve it; no external service is involved and nothing loads from outside the product.
"""

import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from core.ratelimit import first_use

SALT = "core.challenge"
MAX_AGE = 30 * 60  # seconds: long enough to write a report, short enough to keep harvested tokens useless


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _digest(nonce: str, answer: int) -> str:
    return salted_hmac(SALT, f"{nonce}:{answer}").hexdigest()


def issue() -> Challenge:
    a, b = secrets.randbelow(9) + 2, secrets.randbelow(9) + 2
    if secrets.randbelow(2):
        a, b = a + b, b  # a difference that stays positive
        op, answer = "−", a - b
    else:
        op, answer = "+", a + b
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "d": _digest(nonce, answer)}, salt=SALT, compress=False)
    question = _("How much is %(a)s %(op)s %(b)s?") % {"a": a, "op": op, "b": b}
    return Challenge(question=question, token=token)


def verify(token: str, answer: str | int | None) -> bool:
    """True for the right answer to an unexpired token seen for the first time; every token works once."""
    try:
        payload = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
        given = int(str(answer).strip())
    except (signing.BadSignature, TypeError, ValueError):
        return False
    if not isinstance(payload, dict) or not {"n", "d"} <= payload.keys():
        return False
    if not first_use("challenge", payload["n"], MAX_AGE):
        return False
    return constant_time_compare(_digest(payload["n"], given), payload["d"])

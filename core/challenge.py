"""A proof-of-work challenge against automated reporting, solved in the reporter's browser (issue 16).

The arithmetic question it replaces asked a person for an answer and let a per-address limit do the rest, so a
service hall's shared Wi-Fi closed reporting after five people. Work done by the browser instead costs a person a
second and a flood real computing per report, whatever the address.

The format is ALTCHA's (MIT, https://altcha.org, proof of work v1), so its widget or solvers would work against
this verifier, but nothing of it is loaded: the server issues {algorithm, challenge, maxnumber, salt, signature}
where challenge = SHA-256(salt + number) for a secret random number up to maxnumber, salt carries its expiry
("…?expires=<unix time>"), and signature = HMAC-SHA256(challenge) under a key derived from SECRET_KEY. The
browser (static/js/pow-challenge.js and its worker) finds the number and sends back the same fields plus
`number`, base64-encoded JSON. The expiry sits inside the salt, hence inside the signed hash: it cannot be moved.
Each solution is accepted once: its signature is kept in the cache until the challenge expires.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from urllib.parse import parse_qs

from django.conf import settings
from django.utils.crypto import salted_hmac

from core.ratelimit import first_use

ALGORITHM = "SHA-256"
KEY_SALT = "core.challenge.pow"


def max_age() -> int:
    """Seconds a challenge stays valid: long enough to write a report, short enough to make stockpiles useless."""
    return settings.PUBLIC_CHALLENGE_MAX_AGE


def max_number() -> int:
    """The difficulty: a browser tries on average half of this many hashes (about a second on a phone at 100,000)."""
    return settings.PUBLIC_CHALLENGE_MAX_NUMBER


class Refusal(StrEnum):
    """Why a solution was refused; the page words each one for the reporter."""

    MISSING = "missing"  # no solution at all: the browser ran no script, or a program posted the form
    MALFORMED = "malformed"  # not the base64 JSON of the expected fields
    FORGED = "forged"  # the signature is not ours, or the number does not solve the challenge
    EXPIRED = "expired"
    USED = "used"  # a solution sent before: each one works once


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str

    def as_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def _hash(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def _sign(challenge: str) -> str:
    return salted_hmac(KEY_SALT, challenge, algorithm="sha256").hexdigest()


def issue(*, now: float | None = None) -> Challenge:
    expires = int((time.time() if now is None else now) + max_age())
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    number = secrets.randbelow(max_number() + 1)
    challenge = _hash(salt, number)
    return Challenge(ALGORITHM, challenge, max_number(), salt, _sign(challenge))


def solve(challenge: Challenge | dict) -> str:
    """The browser's work, in Python: the payload a solving browser sends (tests, and ALTCHA's own solvers, do this)."""
    fields = asdict(challenge) if isinstance(challenge, Challenge) else challenge
    for number in range(fields["maxnumber"] + 1):
        if _hash(fields["salt"], number) == fields["challenge"]:
            return encode({**{k: fields[k] for k in ("algorithm", "challenge", "salt", "signature")}, "number": number})
    raise ValueError("unsolvable challenge")


def encode(solution: dict) -> str:
    return base64.b64encode(json.dumps(solution).encode()).decode()


def _expires(salt: str) -> int | None:
    _, _, query = salt.partition("?")
    try:
        return int(parse_qs(query).get("expires", [""])[0])
    except ValueError:
        return None


def check(payload: str | None, *, now: float | None = None) -> Refusal | None:
    """None when the payload solves an unexpired challenge we signed and is seen for the first time; else why not."""
    if not payload:
        return Refusal.MISSING
    try:
        solution = json.loads(base64.b64decode(payload, validate=True))
        algorithm, challenge, salt, signature = (solution[k] for k in ("algorithm", "challenge", "salt", "signature"))
        number = solution["number"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return Refusal.MALFORMED
    if not all(isinstance(v, str) for v in (algorithm, challenge, salt, signature)) or type(number) is not int:
        return Refusal.MALFORMED
    if algorithm != ALGORITHM or not hmac.compare_digest(_sign(challenge), signature):
        return Refusal.FORGED
    if not hmac.compare_digest(_hash(salt, number), challenge):
        return Refusal.FORGED
    expires = _expires(salt)
    if expires is None or expires < (time.time() if now is None else now):
        return Refusal.EXPIRED
    if not first_use("challenge", signature, max_age()):
        return Refusal.USED
    return None

"""The audit chain's keyed hash, and the signature of its checkpoints.

Each event's hash is an HMAC-SHA256, under settings.AUDIT_CHAIN_KEY, of its content and the previous event's
hash. The key is never in the database, so someone who can rewrite the table (and recompute a plain SHA-256
chain) cannot make a rewritten event verify. Checkpoints are signed with the same key under another label, so
an event hash can never pass for a checkpoint signature.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def chain_key() -> bytes:
    key = settings.AUDIT_CHAIN_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEY is not set: the audit trail cannot be written or verified.")
    return key.encode()


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(content: dict) -> str:
    return hmac.new(chain_key(), canonical(content), hashlib.sha256).hexdigest()


def checkpoint_signature(fields: dict) -> str:
    return hmac.new(chain_key(), b"audit-checkpoint:" + canonical(fields), hashlib.sha256).hexdigest()

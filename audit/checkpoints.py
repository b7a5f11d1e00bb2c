"""Checkpoints: the head of the audit chain, signed with the audit key and kept outside the database.

A checkpoint names the newest chained event (id and hash), the number of events up to it in the chain's order
(chain_seq) and the time. It is appended,
one JSON line each, to settings.AUDIT_CHECKPOINT_FILE and written to the log (logger "audit.checkpoint"), by the
beat job every 10 minutes and by `manage.py audit_checkpoint`. `verify_audit --since-checkpoint` checks the
stored events against every checkpoint, so deleting the tail up to a checkpoint, deleting events before it, or
rewriting events and re-chaining them is found even by someone who holds the database but not the key. Events
written after the last checkpoint have no such anchor (SECURITY.md says so).
"""

import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .chain import checkpoint_signature
from .models import AuditEvent
from .services import chain_pending

logger = logging.getLogger("audit.checkpoint")


@dataclass(frozen=True)
class Checkpoint:
    at: str
    event: int
    hash: str
    count: int
    sig: str = ""

    @property
    def fields(self) -> dict:
        return {"at": self.at, "event": self.event, "hash": self.hash, "count": self.count}

    def is_signed(self) -> bool:
        return hmac.compare_digest(checkpoint_signature(self.fields), self.sig)

    def line(self) -> str:
        return json.dumps({**self.fields, "sig": self.sig}, sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        """A line of the file, or a log line that carries one (the JSON from its first brace)."""
        data = json.loads(text[text.index("{") :])
        return cls(
            at=str(data["at"]),
            event=int(data["event"]),
            hash=str(data["hash"]),
            count=int(data["count"]),
            sig=data["sig"],
        )


def checkpoint_write(*, path: Path | None = None) -> Checkpoint | None:
    """Append a checkpoint of the chain's head, unless the last checkpoint already names it or the chain is empty.

    The events committed by now are chained first, so the checkpoint covers them too.
    """
    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    chain_pending()
    head = AuditEvent.objects.filter(chain_seq__isnull=False).order_by("-chain_seq")
    head = head.values("id", "hash", "chain_seq").first()
    if head is None:
        return None
    last = _last_checkpoint(path)
    if last is not None and (last.event, last.hash) == (head["id"], head["hash"]):
        return None
    # Places in the chain are given under the chain's lock and committed before it is released, so no event at or
    # before the head can still appear: this count is the count at the head.
    count = AuditEvent.objects.filter(chain_seq__lte=head["chain_seq"]).count()
    unsigned = Checkpoint(
        at=timezone.localtime().isoformat(timespec="seconds"), event=head["id"], hash=head["hash"], count=count
    )
    checkpoint = Checkpoint(**unsigned.fields, sig=checkpoint_signature(unsigned.fields))
    _append(path, checkpoint.line())
    logger.info("audit checkpoint %s", checkpoint.line())
    return checkpoint


def checkpoints_read(path: Path) -> list[tuple[int, Checkpoint | None]]:
    """(line number, checkpoint) for every non-empty line; None where a line cannot be read."""
    numbered = []
    with open(path, encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                numbered.append((number, Checkpoint.parse(text)))
            except (ValueError, KeyError, TypeError):
                numbered.append((number, None))
    return numbered


def checkpoints_verify(numbered: list[tuple[int, Checkpoint | None]], batch: int = 10000) -> list[str]:
    """What is wrong between the checkpoints and the stored events, one sentence per problem (none: all match)."""
    problems: dict[int, str] = {}
    pending = []
    for number, checkpoint in numbered:
        if checkpoint is None:
            problems[number] = f"Checkpoint {number} cannot be read."
        elif not checkpoint.is_signed():
            problems[number] = (
                f"Checkpoint {number} ({checkpoint.at}) has a bad signature: "
                "edited, or not written with this audit key."
            )
        else:
            pending.append((number, checkpoint))

    # One pass over the chain's ids and hashes, in chain order, counting; each checkpoint is met at its event.
    waiting: dict[int, list[tuple[int, Checkpoint]]] = {}
    for number, checkpoint in pending:
        waiting.setdefault(checkpoint.event, []).append((number, checkpoint))
    count, last_seq, last_id = 0, 0, 0
    while waiting:
        rows = list(
            AuditEvent.objects.filter(chain_seq__gt=last_seq)
            .order_by("chain_seq")
            .values_list("id", "chain_seq", "hash")[:batch]
        )
        if not rows:
            break
        for event_id, seq, event_hash in rows:
            count += 1
            for number, checkpoint in waiting.pop(event_id, ()):
                problem = _compare(number, checkpoint, event_hash, count)
                if problem:
                    problems[number] = problem
            last_seq, last_id = seq, event_id
    for met_nowhere in waiting.values():
        for number, checkpoint in met_nowhere:
            problems[number] = _missing(number, checkpoint, count, last_id)
    return [problems[number] for number in sorted(problems)]


def _compare(number: int, checkpoint: Checkpoint, stored_hash: str, count: int) -> str:
    named = f"Checkpoint {number} ({checkpoint.at}) names event {checkpoint.event}"
    if stored_hash != checkpoint.hash:
        return (
            f"{named} with hash {checkpoint.hash[:16]}…, but the trail holds {stored_hash[:16]}… there: "
            "the events up to it were rewritten."
        )
    if count != checkpoint.count:
        change = "deleted" if count < checkpoint.count else "inserted"
        return (
            f"{named} as event {checkpoint.count} of the trail, but the trail holds {count} events up to it: "
            f"events before it were {change}."
        )
    return ""


def _missing(number: int, checkpoint: Checkpoint, count: int, trail_end: int) -> str:
    named = (
        f"Checkpoint {number} ({checkpoint.at}) names event {checkpoint.event} "
        f"(event {checkpoint.count} of the trail), which is missing"
    )
    if not trail_end:
        return f"{named}: the trail is empty."
    if checkpoint.count > count:
        return f"{named}: the trail now ends at event {trail_end} and holds {count} events up to it."
    return f"{named}: the trail holds {count} events, and that one is not among them."


def _last_checkpoint(path: Path) -> Checkpoint | None:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - 4096))
            lines = [line for line in file.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    try:
        return Checkpoint.parse(lines[-1]) if lines else None
    except (ValueError, KeyError, TypeError):
        return None


def _append(path: Path, line: str) -> None:
    """One write of one line to a file opened for appending only (O_APPEND: never over what is there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

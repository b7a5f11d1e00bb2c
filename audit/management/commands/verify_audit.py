from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import checkpoints_read, checkpoints_verify
from audit.services import verify_chain

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check the audit trail's keyed hash chain and report the first broken link; with --since-checkpoint, "
        "also check the trail against every signed checkpoint (a deleted tail, a rewritten and re-chained trail)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="also check that every checkpoint still matches the stored events",
        )
        parser.add_argument("--checkpoints", type=Path, help="checkpoint file (default: AUDIT_CHECKPOINT_FILE)")

    def handle(self, *args, since_checkpoint: bool, checkpoints: Path | None, **options):
        problems = []
        intact, event, problem = verify_chain()
        if not intact:
            problems.append(
                f"Audit trail broken at event {event.pk} ({event.created_at:%Y-%m-%d %H:%M:%S}, {event.action}): "
                f"{problem}."
            )
        matched = ""
        if since_checkpoint:
            path = checkpoints or Path(settings.AUDIT_CHECKPOINT_FILE)
            numbered = checkpoints_read(path) if path.exists() else []
            if not numbered:
                problems.append(
                    f"No checkpoint in {path}: the trail cannot be checked against one (python manage.py "
                    "audit_checkpoint writes one; the beat job does every 10 minutes)."
                )
            else:
                problems += checkpoints_verify(numbered)
                if not problems:
                    last = numbered[-1][1]
                    matched = f" Checkpoints matching: {len(numbered)}, the last at {last.at} (event {last.event})."
        if problems:
            if len(problems) > SHOWN:
                problems = problems[:SHOWN] + [f"… and {len(problems) - SHOWN} more problems."]
            raise CommandError("\n".join(problems))
        self.stdout.write(self.style.SUCCESS("Audit trail intact." + matched))

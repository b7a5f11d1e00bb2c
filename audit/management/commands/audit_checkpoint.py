from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from audit.checkpoints import checkpoint_write


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of the audit chain's head to the checkpoint file and the log "
        "(the beat job does it every 10 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--checkpoints", type=Path, help="checkpoint file (default: AUDIT_CHECKPOINT_FILE)")

    def handle(self, *args, checkpoints: Path | None, **options):
        path = checkpoints or Path(settings.AUDIT_CHECKPOINT_FILE)
        checkpoint = checkpoint_write(path=path)
        if checkpoint is None:
            self.stdout.write(f"No new audit events since the last checkpoint in {path}.")
        else:
            self.stdout.write(
                f"Checkpoint written to {path}: event {checkpoint.event}, {checkpoint.count} events, {checkpoint.at}."
            )

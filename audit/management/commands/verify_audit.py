from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report the first broken link."

    def handle(self, *args, **options):
        intact, event, problem = verify_chain()
        if intact:
            self.stdout.write(self.style.SUCCESS("Audit trail intact."))
            return
        raise CommandError(
            f"Audit trail broken at event {event.pk} ({event.created_at:%Y-%m-%d %H:%M:%S}, {event.action}): {problem}."
        )

"""Email for notifications, through Django's email backend (settings: INBOX_EMAIL, EMAIL_URL / EMAIL_HOST).

An email can be read by anyone who reaches the mailbox, so it says only how many notifications of which kind
wait and links to the inbox: never a name, a reference or an allegation (whistleblower safety). The user has
no stored language, so the email is written in every language of the product, Chinese first.
"""

import datetime
from collections import Counter

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

from .models import Kind, Notification

# A notification not emailed within this time (no email address then, email off) is not emailed later.
EMAIL_WITHIN = datetime.timedelta(days=2)
BATCH = 200


def compose(counts: Counter) -> tuple[str, str]:
    """(subject, body) of the email for these kinds and counts, in every language of the product."""
    link = settings.SITE_URL.rstrip("/") + reverse("inbox:list")
    subjects, bodies = [], []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            total = sum(counts.values())
            subjects.append(
                ngettext("%(count)d new notification", "%(count)d new notifications", total) % {"count": total}
            )
            lines = [f"- {Kind(kind).label}: {count}" for kind, count in sorted(counts.items())]
            bodies.append(
                "\n".join([_("New in your inbox:"), *lines, "", _("Open your inbox: %(link)s") % {"link": link}])
            )
    return " / ".join(subjects), "\n\n---\n\n".join(bodies)


def notifications_email(*, recipient_ids: list[int]) -> int:
    """Email each recipient (with an address) about their notifications not emailed yet; returns emails sent.

    Safe to run twice and concurrently: the rows are claimed under a lock and marked in the same transaction,
    so a notification is emailed once (a failed send rolls back the mark, and the job runs again).
    """
    if not settings.INBOX_EMAIL:
        return 0
    sent = 0
    since = timezone.now() - EMAIL_WITHIN
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True).exclude(email="").order_by("pk"):
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(recipient=user, emailed_at__isnull=True, created_at__gte=since)
                .order_by("id")
                .values_list("id", "kind")[:BATCH]
            )
            if not pending:
                continue
            subject, body = compose(Counter(kind for _id, kind in pending))
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            Notification.objects.filter(pk__in=[pk for pk, _kind in pending]).update(emailed_at=timezone.now())
            sent += 1
    return sent

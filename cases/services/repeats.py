"""Likely repeats: a report registered again within 30 days (the browser's Back, then send again; a second letter).

Same handling commission, a subject in common (the same registry entry, or a new one of the same name) and a
summary that reads nearly the same. Registration warns and names the earlier reports; the user may still save the
new one as a repeat linked to the earlier (services/reports.py, report_register)."""

import datetime
import re
from difflib import SequenceMatcher

from django.db.models import Q
from django.utils import timezone

from ..models import Report
from ..selectors import reports_visible_to

WINDOW = datetime.timedelta(days=30)
SIMILAR = 0.8  # SequenceMatcher ratio of the summaries without spaces and punctuation
MAX_CANDIDATES = 50
_NOISE = re.compile(r"[\W_]+")


def _plain(text: str) -> str:
    return _NOISE.sub("", text or "").lower()


def similar(a: str, b: str) -> bool:
    a, b = _plain(a), _plain(b)
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR


def likely_repeats(*, actor, commission, summary: str, subject_ids: set[int], subject_names: set[str]) -> list[Report]:
    """Reports within the actor's reach the new one probably repeats, newest first."""
    since = timezone.now() - WINDOW
    about = Q(allegations__subject__in=subject_ids) | Q(allegations__subject__name__in=subject_names)
    candidates = (
        reports_visible_to(actor)
        .filter(about, commission=commission, created_at__gte=since)
        .distinct()
        .order_by("-id")[:MAX_CANDIDATES]
    )
    return [report for report in candidates if similar(report.summary, summary)]

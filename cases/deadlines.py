"""Stage due dates: configurable per stage and disposition kind (settings.CASE_DEADLINE_DAYS)."""

import datetime

from django.conf import settings
from django.utils import timezone

DEFAULT_DAYS = {
    "registered": 15,
    "disposition_proposed": 7,
    "talk_letter": 30,
    "preliminary": 90,
    "concluded": 15,
    "held": 180,
}
NEARING_DAYS = 7


def days_for(stage: str) -> int | None:
    configured = getattr(settings, "CASE_DEADLINE_DAYS", {}) or {}
    return configured.get(stage, DEFAULT_DAYS.get(stage))


def due_after(stage: str, start: datetime.date | None = None) -> datetime.date | None:
    days = days_for(stage)
    if days is None:
        return None
    return (start or timezone.localdate()) + datetime.timedelta(days=days)


def nearing_limit(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=NEARING_DAYS)

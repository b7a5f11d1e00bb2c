"""Small checks every app's services share; each raises a DomainError the page and API can show."""

import calendar
import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError


def require_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("%(what)s is required.") % {"what": what}, code="required")
    return value


def refuse_future(day: datetime.date, what: str) -> None:
    if day > timezone.localdate():
        raise DomainError(_("%(what)s cannot be in the future.") % {"what": what}, code="future_date")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))

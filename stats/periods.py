"""Periods the statistics are counted over: a month, a quarter, a year or any date range (both ends included)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.jobs import month_start, next_month

KINDS = ("month", "quarter", "year", "range")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def is_month(self) -> bool:
        return self.kind == "month"

    def as_params(self) -> dict[str, str]:
        """Query parameters that give this period back through `parse_period`."""
        if self.kind == "month":
            return {"period": "month", "month": self.start.strftime("%Y-%m")}
        if self.kind == "quarter":
            return {"period": "quarter", "year": str(self.start.year), "quarter": str((self.start.month - 1) // 3 + 1)}
        if self.kind == "year":
            return {"period": "year", "year": str(self.start.year)}
        return {"period": "range", "start": self.start.isoformat(), "end": self.end.isoformat()}


def month_end(day: datetime.date) -> datetime.date:
    return next_month(day) - datetime.timedelta(days=1)


def month_period(day: datetime.date) -> Period:
    start = month_start(day)
    return Period("month", start, month_end(start))


def previous_month(today: datetime.date | None = None) -> datetime.date:
    """The first day of the last complete month."""
    return month_start(month_start(today or timezone.localdate()) - datetime.timedelta(days=1))


def month_start_after(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after `day`'s (negative: before); compare core.validation.add_months, which
    keeps the day of the month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def range_period(start: datetime.date, end: datetime.date) -> Period:
    if end < start:
        raise DomainError(_("The period ends before it starts."), code="bad_period")
    return Period("range", start, end)


def _bad(message) -> DomainError:
    return DomainError(message, code="bad_period")


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(_("%(what)s is not a number.") % {"what": what}) from None


def _date(value: str, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise _bad(_("%(what)s is not a date (YYYY-MM-DD).") % {"what": what}) from None


def _year(value: str) -> int:
    year = _int(value, _("The year"))
    if not 1990 <= year <= 2100:
        raise _bad(_("The year is out of range."))
    return year


def parse_period(params, default: Period | None = None) -> Period:
    """Read ?period=month&month=2025-03, quarter&year&quarter, year&year, or range&start&end.

    Without parameters: `default`, or the last complete month. Raises DomainError(code="bad_period").
    """
    kind = (params.get("period") or "").strip()
    if not kind:
        if params.get("start") or params.get("end"):
            kind = "range"
        elif params.get("month"):
            kind = "month"
        elif params.get("quarter"):
            kind = "quarter"
        elif params.get("year"):
            # A year alone asks for that year, not silently for the last month (issue 13).
            kind = "year"
        else:
            return default or month_period(previous_month())
    if kind not in KINDS:
        raise _bad(_("Unknown kind of period."))
    if kind == "month":
        raw = (params.get("month") or "").strip()
        try:
            year, month = (int(part) for part in raw.split("-"))
            start = datetime.date(_year(year), month, 1)
        except (TypeError, ValueError):
            raise _bad(_("The month is not a month (YYYY-MM).")) from None
        return month_period(start)
    if kind == "quarter":
        year = _year(params.get("year"))
        quarter = _int(params.get("quarter"), _("The quarter"))
        if quarter not in (1, 2, 3, 4):
            raise _bad(_("A quarter is 1, 2, 3 or 4."))
        start = datetime.date(year, 3 * quarter - 2, 1)
        return Period("quarter", start, month_end(month_start_after(start, 2)))
    if kind == "year":
        year = _year(params.get("year"))
        return Period("year", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    start = _date(params.get("start"), _("The start"))
    end = _date(params.get("end"), _("The end"))
    if (end - start).days > 366 * 10:
        raise _bad(_("The period is longer than ten years."))
    return range_period(start, end)

"""Lengths of what a report holds: one number per field, used by the model, the forms, the API and the services."""

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.validation import require_text

SUMMARY_MAX_LENGTH = 10_000
PLACE_MAX_LENGTH = 100  # Report.place


def check_summary(value: str) -> str:
    # A browser sends a textarea's line breaks as CRLF: kept as LF, so an unchanged summary compares equal.
    summary = require_text((value or "").replace("\r\n", "\n"), _("The summary"))
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise DomainError(
            _("The summary is limited to %(n)s characters (this one has %(length)s).")
            % {"n": SUMMARY_MAX_LENGTH, "length": len(summary)},
            code="summary_too_long",
        )
    return summary

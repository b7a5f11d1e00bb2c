import secrets

from django.utils.translation import gettext as _

from accounts import jurisdiction
from accounts.models import Commission
from core.crypto import keyed_hash
from core.errors import DomainError
from core.validation import refuse_future, require_text  # noqa: F401  (used by the services)

from ..models import ReferenceCounter, Report


def next_reference(commission: Commission, year: int) -> str:
    return f"{commission.reference_prefix()}-{year}-{ReferenceCounter.next_number(commission, year):06d}"


def new_receipt_code() -> str:
    """20 random digits (over 66 bits), shown once to the reporter and stored only as a keyed hash."""
    return f"{secrets.randbelow(10**20):020d}"


def format_receipt(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def receipt_hash(code: str) -> str:
    return keyed_hash("".join(ch for ch in code if ch.isdigit()), purpose="receipt")


def require_role(user, report: Report, *roles: str) -> None:
    if not jurisdiction.has_role(user, report.commission_id, *roles):
        raise DomainError(_("You may not do this on this report."), code="forbidden")

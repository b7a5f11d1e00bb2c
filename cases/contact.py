"""Checks of a reporter's phone number and resident ID number, shared by the staff and public forms, the API and
the services (one place per rule)."""

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

# Mainland mobile numbers (optionally +86 / 0086), landlines with their area code (and an extension), and the
# 400/800 numbers of companies.
MOBILE = re.compile(r"(?:\+?86|0086)?1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}(?:#\d{1,6}|-\d{1,6})?")
SERVICE = re.compile(r"[48]00\d{7}")

# GB 11643-1999: the 18th character is the ISO 7064 MOD 11-2 check of the first 17 digits.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_SHAPE = re.compile(r"\d{17}[\dX]")


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def check_phone(value: str) -> str:
    """The number without spaces or brackets; refused unless it is a mainland mobile, landline or 400/800 number."""
    raw = (value or "").strip()
    if not raw:
        return ""
    compact = re.sub(r"[\s()（）]", "", raw)
    # A hyphen may follow the area code; another one may lead to an extension.
    digits = re.sub(r"^(0\d{2,3})-", r"\1", compact)
    if MOBILE.fullmatch(digits) or LANDLINE.fullmatch(digits) or SERVICE.fullmatch(digits):
        return compact
    raise DomainError(
        _("“%(value)s” is not a phone number: give a mobile number (11 digits) or a landline with its area code.")
        % {"value": raw[:40]},
        code="phone",
    )


def check_id_number(value: str) -> str:
    """An 18-character resident ID number with a valid birth date and check digit (GB 11643), upper-case X."""
    raw = (value or "").strip()
    if not raw:
        return ""
    number = raw.replace(" ", "").upper()
    if not ID_SHAPE.fullmatch(number):
        raise DomainError(_("A resident ID number has 18 characters: 17 digits and a digit or X."), code="id_number")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born > timezone.localdate() or born.year < 1900:
        raise DomainError(_("The birth date in this resident ID number does not exist."), code="id_number")
    if id_check_digit(number[:17]) != number[17]:
        raise DomainError(
            _("This resident ID number's check digit is wrong: please check the number again."), code="id_number"
        )
    return number

from django.db.models import QuerySet

from . import jurisdiction
from .models import Commission


def commissions_visible_to(user) -> QuerySet[Commission]:
    return jurisdiction.readable_commissions(user).select_related("parent").order_by("path")

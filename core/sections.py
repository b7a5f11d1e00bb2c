"""Several lists from one table in one query: the first rows of each, for pages such as "my work".

Each row is flagged with the lists it belongs to and numbered within each (a window per list), and a list
keeps its first `limit` rows; a row may belong to several lists.
"""

import functools
import operator

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber


def first_rows_by_section(queryset: QuerySet, sections: dict[str, tuple[Q, list]], limit: int) -> dict[str, list]:
    """sections: name -> (condition, ordering expressions); returns name -> the first `limit` rows, in order."""
    flags = {f"in_{name}": ExpressionWrapper(q, output_field=BooleanField()) for name, (q, _order) in sections.items()}
    numbers = {
        f"n_{name}": Window(RowNumber(), partition_by=[F(f"in_{name}")], order_by=order)
        for name, (_q, order) in sections.items()
    }
    keep = Q(pk__in=[])
    for name in sections:
        keep |= Q(**{f"in_{name}": True, f"n_{name}__lte": limit})
    found = (
        queryset.filter(functools.reduce(operator.or_, (q for q, _order in sections.values())))
        .annotate(**flags)
        .annotate(**numbers)
        .filter(keep)
        .order_by()
    )
    lists: dict[str, list] = {name: [] for name in sections}
    for row in found:
        for name in sections:
            # A row kept for one list may lie beyond the first `limit` of another it belongs to.
            if getattr(row, f"in_{name}") and getattr(row, f"n_{name}") <= limit:
                lists[name].append(row)
    for name, rows in lists.items():
        rows.sort(key=lambda row, name=name: getattr(row, f"n_{name}"))
    return lists

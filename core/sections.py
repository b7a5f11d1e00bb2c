"""First rows of lists for pages such as "my work", chosen before the joins that display them.

A list's rows are chosen on the narrow table (its filters and ordering, no select_related) and only the chosen
ones are joined for display, in the same query (`pk IN (SELECT ... LIMIT n)`): a commission with thousands of
overdue items otherwise joins every one of them before sorting (≈ 90 ms at 1,000,000 reports, bench/results).
"""

import functools
import operator

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber


def narrow(queryset: QuerySet) -> QuerySet:
    narrow = queryset.all()
    narrow.query.select_related = False
    return narrow


def first_rows(queryset: QuerySet, limit: int) -> QuerySet:
    """The first `limit` rows of an ordered queryset, joined for display only after they are chosen."""
    chosen = narrow(queryset).values("pk")[:limit]
    joined = queryset.model._default_manager.filter(pk__in=chosen).order_by(*queryset.query.order_by)
    joined.query.select_related = queryset.query.select_related
    return joined


def first_rows_by_section(queryset: QuerySet, sections: dict[str, tuple[Q, list]], limit: int) -> dict[str, list]:
    """Several lists from one table in one query. sections: name -> (condition, ordering expressions); returns
    name -> its first `limit` rows, in order. Each row is flagged with the lists it belongs to and numbered within
    each (a window per list); a row may belong to several lists."""
    flags = {f"in_{name}": ExpressionWrapper(q, output_field=BooleanField()) for name, (q, _order) in sections.items()}
    numbers = {
        f"n_{name}": Window(RowNumber(), partition_by=[F(f"in_{name}")], order_by=order)
        for name, (_q, order) in sections.items()
    }
    keep = Q(pk__in=[])
    for name in sections:
        keep |= Q(**{f"in_{name}": True, f"n_{name}__lte": limit})
    chosen = (
        narrow(queryset)
        .filter(functools.reduce(operator.or_, (q for q, _order in sections.values())))
        .annotate(**flags)
        .annotate(**numbers)
        .filter(keep)
        .values("pk")
    )
    # The chosen rows (already scoped) are joined for display and numbered again among themselves: a section's
    # first rows keep their order, and a row chosen for another section that lies beyond a section's first
    # `limit` stays beyond it.
    found = queryset.model._default_manager.filter(pk__in=chosen).annotate(**flags).annotate(**numbers).order_by()
    found.query.select_related = queryset.query.select_related
    lists: dict[str, list] = {name: [] for name in sections}
    for row in found:
        for name in sections:
            if getattr(row, f"in_{name}") and getattr(row, f"n_{name}") <= limit:
                lists[name].append(row)
    for name, rows in lists.items():
        rows.sort(key=lambda row, name=name: getattr(row, f"n_{name}"))
    return lists

"""First rows of lists for pages such as "my work", chosen before the joins that display them.

A list's rows are chosen on the narrow table (its filters and ordering, no select_related) and only the chosen
ones are joined for display, in the same query (`pk IN (SELECT ... LIMIT n)`): a commission with thousands of
overdue items otherwise joins every one of them before sorting (≈ 90 ms at 1,000,000 reports, bench/results).
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from core.lookups import Ids


def narrow(queryset: QuerySet) -> QuerySet:
    """The same rows without their joins for display."""
    rows = queryset.all()
    rows.query.select_related = False
    return rows


def chosen_narrow(ordered: QuerySet, stop: int, start: int = 0) -> QuerySet:
    """Rows `start` to `stop` of an ordered queryset (a list's page), chosen on its narrow rows, which an index can
    answer alone, and only then joined for display: a walk of the ids that skips most of the reach reads index
    entries, not rows (cases.Report's report_id_walk_idx). The queryset keeps its scoping, joins and prefetches."""
    chosen = narrow(ordered).values("pk")[start:stop]
    return ordered.filter(pk__in=chosen)[: stop - start]


def counted_rows(queryset: QuerySet, limit: int) -> tuple[list[int], list]:
    """The ids of the first `limit` + 1 rows of an ordered queryset (to say "50+" beyond) and the objects of the first
    `limit` of them: found on the narrow rows, joined only for the rows presented."""
    ids = list(narrow(queryset).values_list("pk", flat=True)[: limit + 1])
    return ids, in_order(queryset, ids[:limit])


def ids_together(querysets: list[QuerySet], limit: int) -> tuple[str, list, str]:
    """One statement that finds the ids of the first `limit` rows of each ordered queryset, each on its narrow rows
    with a LIMIT of its own: `SELECT 0, * FROM (…) UNION ALL SELECT 1, * FROM (…) …`. Returned compiled (the SQL,
    its parameters and the database alias) for a caller that keeps it and runs it with `run_together`: compiling a
    work list's twenty queries cost more than PostgreSQL's answer to them (bench/work_profile.py)."""
    parts, params = [], []
    for i, queryset in enumerate(querysets):
        try:
            sql, part_params = narrow(queryset).values_list("pk")[:limit].query.sql_with_params()
        except EmptyResultSet:  # .none(): a part that finds nothing
            continue
        parts.append(f"SELECT {i} AS part, * FROM ({sql}) AS part{i}")
        params.extend(part_params)
    if not parts:
        return "SELECT 0, 0 WHERE 1 = 0", [], querysets[0].db
    return " UNION ALL ".join(parts), params, querysets[0].db


def in_order(queryset: QuerySet, ids: list[int]) -> list:
    """The objects of these ids (found by `run_together`), in that order, joined as the queryset says for display."""
    if not ids:
        return []
    found = {obj.pk: obj for obj in queryset.filter(pk__any_of=Ids(ids))}
    return [found[pk] for pk in ids if pk in found]


def run_together(compiled: tuple[str, list, str], count: int) -> list[list[int]]:
    """The ids each of the `count` querysets of `ids_together` found, in its order (PostgreSQL and SQLite append
    the parts of a UNION ALL one after the other, each in the order its LIMIT chose)."""
    sql, params, alias = compiled
    found = [[] for _ in range(count)]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        for part, pk in cursor.fetchall():
            found[part].append(pk)
    return found

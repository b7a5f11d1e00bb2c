"""Keyset pagination for list pages: the cost of page 1,000 equals the cost of page 1, and no COUNT."""

import base64
import datetime
import json
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from core.sections import chosen_narrow


@dataclass
class Page:
    items: list
    next_cursor: str | None
    is_first: bool


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, kinds: list[type]) -> list | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(raw)
        if len(values) != len(kinds):
            return None
        return [
            datetime.date.fromisoformat(v) if kind is datetime.date else kind(v)
            for v, kind in zip(values, kinds, strict=True)
        ]
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def without_cursor(params):
    """A copy of a list's query without its cursor (`after`): what the pager's links (templates/core/_pager.html)
    and the list's other links start from."""
    params = params.copy()
    params.pop("after", None)
    return params


def paged(
    request,
    queryset: QuerySet,
    *,
    keys: list[str],
    kinds: list[type],
    size: int,
    narrow: bool = True,
    walk: bool = True,
) -> dict:
    """What a list page's template reads for its pager (templates/core/_pager.html): `page`, the page the query's
    `after` names, and `base_query`, the query without it."""
    cursor = request.GET.get("after")
    page = paginate(queryset, keys=keys, kinds=kinds, cursor=cursor, size=size, narrow=narrow, walk=walk)
    return {"page": page, "base_query": without_cursor(request.GET).urlencode()}


def paginate(
    queryset: QuerySet,
    *,
    keys: list[str],
    kinds: list[type],
    cursor: str | None,
    size: int,
    narrow: bool = True,
    walk: bool = True,
) -> Page:
    """keys like ["-received_on", "-id"]: all descending or all ascending, the last one unique. The page is chosen
    on the narrow rows first (core.sections.chosen_narrow) unless `narrow` is false. `walk=False` orders by the
    keys' values through an expression no index serves, so that PostgreSQL takes the rows through a filter's index
    and sorts them instead of walking an index of the keys (FilterSet.walk_ids); the order is the same."""
    descending = keys[0].startswith("-")
    names = [k.lstrip("-") for k in keys]
    if walk:
        ordered = queryset.order_by(*keys)
    else:
        unserved = [F(name) + 0 for name in names]
        ordered = queryset.order_by(*(key.desc() if descending else key.asc() for key in unserved))
    values = _decode(cursor, kinds) if cursor else None
    if values is not None:
        op = "lt" if descending else "gt"
        condition = Q()
        for i, name in enumerate(names):
            step = Q(**{f"{n}": v for n, v in zip(names[:i], values[:i], strict=True)}) & Q(
                **{f"{name}__{op}": values[i]}
            )
            condition |= step
        ordered = ordered.filter(condition)
    rows = list(chosen_narrow(ordered, size + 1) if narrow else ordered[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode([getattr(rows[-1], n) for n in names]) if has_more and rows else None
    return Page(items=rows, next_cursor=next_cursor, is_first=values is None)


def paginate_ids(queryset: QuerySet, ids: list[int], *, cursor: str | None, size: int, chunk: int = 200) -> Page:
    """Keyset pagination over a kept list of ids (ascending), newest first: the rows of `queryset` among them, looked
    up a chunk at a time, so ids outside the queryset (out of reach) are skipped without counting them all."""
    import bisect

    values = _decode(cursor, [int]) if cursor else None
    end = bisect.bisect_left(ids, values[0]) if values is not None else len(ids)
    rows: list = []
    while len(rows) <= size and end > 0:
        wanted = ids[max(0, end - chunk) : end][::-1]
        found = queryset.in_bulk(wanted)
        rows.extend(found[pk] for pk in wanted if pk in found)
        end -= chunk
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode([rows[-1].pk]) if has_more and rows else None
    return Page(items=rows, next_cursor=next_cursor, is_first=values is None)

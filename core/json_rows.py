"""Small related lists fetched inside the query of the object they belong to, as JSON arrays.

Used where the lists must be plain data: the user's reach (memberships with their subtree ids, grants,
assignments) is read this way in one statement and cached as JSON under the user's reach version
(accounts/backends.py). `with_lists` adds one correlated subquery per list to the object's own query;
`attach_lists` turns the arrays back into model instances and places them where `prefetch_related` would.
A page's sections are prefetched instead: packed as JSON, the report page's eleven sections cost more CPU than
eleven statements (41 against 17 ms of CPU at 1,000,000 reports, bench/report_page_sections.py).
Works on PostgreSQL (jsonb) and SQLite (JSON1).
"""

import datetime

from django.db import models
from django.db.models import F, Func, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

PREFIX = "_json_list_"


class JSONArrayAgg(Func):
    """`JSONB_AGG(expr)` / `JSON_GROUP_ARRAY(expr)` over the rows of a subquery that has no GROUP BY."""

    function = "JSONB_AGG"
    output_field = models.JSONField()
    contains_aggregate = False  # aggregates the subquery's own rows; the outer query is not grouped

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _concrete(model) -> list:
    return [f for f in model._meta.concrete_fields]


def _object(model, prefix: str, related: dict, annotations=()) -> JSONObject:
    """One row as a JSON object: the concrete fields, the annotations, and each select_related object nested
    under its name."""
    values = {f.attname: F(prefix + f.attname) for f in _concrete(model)}
    values.update({name: F(name) for name in annotations})
    for name, nested in related.items():
        field = model._meta.get_field(name)
        values[name] = _object(field.related_model, f"{prefix}{name}__", nested)
    return JSONObject(**values)


def _related_tree(queryset) -> dict:
    selected = queryset.query.select_related
    if selected is True:
        raise ValueError("name the select_related fields of a JSON list")
    return selected or {}


def with_lists(queryset, **lists):
    """Annotate each row with its related lists: name=(reverse relation name, queryset of the related rows)."""
    model = queryset.model
    annotations = {}
    for name, related_queryset in lists.items():
        relation = model._meta.get_field(name)
        rows = related_queryset.filter(**{relation.field.name: OuterRef("pk")}).order_by()
        annotations[PREFIX + name] = Subquery(
            rows.values(
                items=JSONArrayAgg(_object(rows.model, "", _related_tree(related_queryset), rows.query.annotations))
            )[:1],
            output_field=models.JSONField(),
        )
    return queryset.annotate(**annotations)


def _value(field, value):
    if value is None:
        return None
    value = field.to_python(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _instance(model, data: dict, related: dict, annotations=()):
    fields = _concrete(model)
    instance = model.from_db(None, [f.attname for f in fields], [_value(f, data.get(f.attname)) for f in fields])
    for name in annotations:
        setattr(instance, name, data.get(name))
    for name, nested in related.items():
        field = model._meta.get_field(name)
        value = data.get(name) or {}
        target = None if value.get(field.related_model._meta.pk.attname) is None else value
        field.set_cached_value(instance, _instance(field.related_model, target, nested) if target else None)
    return instance


def _ordered(instances: list, queryset) -> list:
    """The queryset's ordering (simple field names), applied in Python: the aggregate keeps no order."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or ["pk"])
    for name in reversed(ordering):
        path = name.lstrip("-").split("__")

        def key(instance, path=path):
            for attribute in path:
                instance = getattr(instance, attribute)
            return (instance is None, instance)

        instances.sort(key=key, reverse=name.startswith("-"))
    return instances


def attach_lists(obj, **lists) -> None:
    """Place the lists that `with_lists` fetched into the object's prefetch cache (same arguments)."""
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, related_queryset in lists.items():
        relation = type(obj)._meta.get_field(name)
        data = getattr(obj, PREFIX + name) or []
        related = _related_tree(related_queryset)
        annotations = list(related_queryset.query.annotations)
        instances = _ordered(
            [_instance(related_queryset.model, row, related, annotations) for row in data], related_queryset
        )
        for instance in instances:
            relation.field.set_cached_value(instance, obj)
        manager = getattr(obj, name)
        queryset = manager.get_queryset()
        queryset._result_cache = instances
        queryset._prefetch_done = True
        cache[relation.cache_name] = queryset

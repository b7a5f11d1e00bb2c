"""`field__any_of=Ids([...])`: a list of ids sent as one parameter.

Django's `__in` prepares and binds every element of a list on its own: an investigator's hundreds of assigned
reports or a province's 146 commissions, in each of a work list's dozen queries, were thousands of Python calls a
request (bench/results/README.md). PostgreSQL takes the list as one array (`= ANY(%s)`, which it plans exactly as
an IN list); SQLite (`make run`) reads it from a JSON array.
"""

import json

from django.db.models import Field, ForeignObject, Lookup


class Ids:
    """The ids, wrapped so that the ORM passes them through whole (it walks a list or tuple element by element)."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = [int(v) for v in values]

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Ids({self.values!r})"


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        values = value.values if isinstance(value, Ids) else [int(v) for v in value]
        if connection.vendor == "postgresql":
            return "%s", [values]
        return "%s", [json.dumps(values)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # a foreign key's own column: `report__any_of`

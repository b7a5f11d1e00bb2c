"""Every operation of the API, read from the OpenAPI generator (no request: the schema page needs a login)."""

import re

PARAM = re.compile(r"\{[^}]+\}")
METHODS = ("get", "post", "put", "patch", "delete")


def api_operations() -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method) for path, ops in schema["paths"].items() for method in ops if method in METHODS]

"""OpenAPI links (issue 13): where one operation's answer names an object, the schema says which operations can
be taken on it next, so a client (and schemathesis' stateful tests) can chain calls on real objects.

Two shapes, derived from the paths rather than written per view:
- a create (`POST /api/things/` answering 201) links to every operation on `/api/things/{id}/…`, with the id
  from its body; a list (`GET /api/things/`) does too, with the id of its first row;
- an operation on `/api/things/{id}/…` links to the other operations on the same object (id from its own path),
  or, when it answers with another collection's object (a report's identity request, an allegation's finding),
  to the operations on that object (id from its body).
"""

from collections import defaultdict

ID = "{id}/"


def _component(operation: dict, status: str) -> str | None:
    for content in operation.get("responses", {}).get(status, {}).get("content", {}).values():
        ref = content.get("schema", {}).get("$ref", "")
        return ref.rsplit("/", 1)[-1] or None
    return None


def _has_id(schema: dict, component: str | None) -> bool:
    return bool(component) and "id" in schema["components"]["schemas"].get(component, {}).get("properties", {})


def _first_row_has_id(schema: dict, component: str | None) -> bool:
    """A page of rows (`{"results": [...]}`) whose rows carry an id."""
    results = schema["components"]["schemas"].get(component or "", {}).get("properties", {}).get("results", {})
    return _has_id(schema, results.get("items", {}).get("$ref", "").rsplit("/", 1)[-1])


def _successes(operation: dict) -> list[str]:
    return [status for status in operation.get("responses", {}) if status.startswith("2")]


def add_links(result, generator, request, public):
    """A drf-spectacular postprocessing hook: adds the links described above to every 2xx answer."""
    paths = result.get("paths", {})
    on_object = defaultdict(list)  # collection -> [(path, method, operationId)] of operations on one of its objects
    owner = {}  # component -> the collection whose object it describes (its retrieve or create answer)
    for path, operations in paths.items():
        if ID not in path:
            continue
        collection = path.split(ID)[0]
        for method, operation in operations.items():
            on_object[collection].append((path, method, operation["operationId"]))
            if path == collection + ID and method == "get":
                owner.setdefault(_component(operation, "200"), collection)
    for path, operations in paths.items():
        if path in on_object and "post" in operations:
            owner.setdefault(_component(operations["post"], "201"), path)

    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in _successes(operation):
                component = _component(operation, status)
                if ID not in path:
                    if path not in on_object:
                        continue
                    if method == "post" and status == "201" and _has_id(result, component):
                        target, source = path, "$response.body#/id"
                    elif method == "get" and _first_row_has_id(result, component):
                        target, source = path, "$response.body#/results/0/id"
                    else:
                        continue
                else:
                    collection = path.split(ID)[0]
                    other = owner.get(component)
                    if other and other != collection and _has_id(result, component):
                        target, source = other, "$response.body#/id"
                    else:
                        target, source = collection, "$request.path.id"
                links = {
                    operation_id: {"operationId": operation_id, "parameters": {"id": source}}
                    for other_path, other_method, operation_id in on_object[target]
                    if (other_path, other_method) != (path, method)
                }
                if links:
                    operation["responses"][status]["links"] = links
    return result

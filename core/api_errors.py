"""One error body for every refusal of the API (issue 13): validation, a domain rule, permission, not found,
missing or bad credentials, and the middleware's refusals (two-factor, password change, request limits).

    {"code": "wrong_state", "detail": "…", "errors": [{"attr": null, "code": "wrong_state", "detail": "…"}]}

`code` and `detail` say what a client shows or branches on; `errors` lists every problem, each with the field
it is about (`attr`, dotted for nested fields, null for the request as a whole). core/api_schema.py documents
this body on every operation, with the status codes the operation can answer.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, error_body

# Refusals because of who the caller is (their role or authority) rather than what they sent.
FORBIDDEN_CODES = frozenset({"forbidden", "no_authority", "wrong_authority"})
# Refusals because of the server's configuration, not the request: the caller cannot fix them.
UNAVAILABLE_CODES = frozenset({"identity_undecryptable"})
# Refusals of something that existed and is gone for good (an expired export's file).
GONE_CODES = frozenset({"expired", "gone"})
# Refusals the client resolves by confirming what it meant (registering a likely repeat as a linked one).
CONFLICT_CODES = frozenset({"possible_repeat"})
# The code of a refusal of the input's shape (DRF's ValidationError); each item of `errors` has its own code.
VALIDATION_CODE = "invalid"


class ApiErrorItemSerializer(serializers.Serializer):
    attr = serializers.CharField(
        allow_null=True, help_text=("The field the problem is about (dotted when nested); null for the whole request.")
    )
    code = serializers.CharField(help_text=("A stable code for the problem, e.g. required or wrong_state."))
    detail = serializers.CharField(help_text=("The problem, in the caller's language."))


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "A stable code for the refusal: invalid (the input), not_authenticated, authentication_failed, "
            "permission_denied, forbidden, two_factor_required, not_found, or the rule refused (e.g. wrong_state)."
        )
    )
    detail = serializers.CharField(help_text=("Why the request was refused, in the caller's language."))
    errors = ApiErrorItemSerializer(many=True)


def error_response(code: str, detail, *, status: int, headers: dict | None = None) -> Response:
    return Response(error_body(code, detail), status=status, headers=headers)


def _flatten(detail, attr: str | None = None) -> list[dict]:
    """DRF's nested error detail as a flat list of {attr, code, detail}."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            key = None if key in ("non_field_errors", "__all__") else str(key)
            items += _flatten(value, f"{attr}.{key}" if attr and key else (key or attr))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            # A list of messages is about the same field; a list of objects names each by its index.
            items += _flatten(value, f"{attr}.{index}" if isinstance(value, dict) and attr else attr)
        return items
    return [{"attr": attr, "code": getattr(detail, "code", None) or VALIDATION_CODE, "detail": str(detail)}]


def _domain_status(code: str) -> int:
    if code in FORBIDDEN_CODES:
        return status.HTTP_403_FORBIDDEN
    if code == "not_found":
        return status.HTTP_404_NOT_FOUND
    if code in UNAVAILABLE_CODES:
        return status.HTTP_503_SERVICE_UNAVAILABLE
    if code in GONE_CODES:
        return status.HTTP_410_GONE
    if code in CONFLICT_CODES:
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def exception_handler(exc, context):
    """Domain refusals become 400 (403 when the role may not act, 404 when out of reach, 409 when the client must
    confirm, 410 when a file is gone for good, 503 when the server lacks a key); DRF's own refusals keep their
    status and headers (WWW-Authenticate, Retry-After). Every one answers error_body(), with the refusal's details
    (the earlier reports a repeat names, say) beside it."""
    if isinstance(exc, DomainError):
        body = {**exc.details, **error_body(exc.code, exc.message)}
        return Response(body, status=_domain_status(exc.code))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(detail)
        message = "; ".join(f"{e['attr']}: {e['detail']}" if e["attr"] else e["detail"] for e in errors)
        response.data = error_body(VALIDATION_CODE, message, errors=errors)
    elif isinstance(detail, dict) and "detail" in detail:
        # A refusal raised with its own code, e.g. PermissionDenied(two_factor_refusal()).
        response.data = error_body(str(detail.get("code") or exc.default_code), detail["detail"])
    else:
        code = getattr(detail, "code", None) or exc.default_code
        response.data = error_body(code, detail)
    return response

"""How the OpenAPI schema describes every operation (issue 13: the API as a contract a generated client can use).

Two rules live here, once for all apps:
- every refusal an operation can answer is documented with the one error body (core.api_errors): 400 for
  invalid input, an unknown filter value or a domain rule, 401 and 403 where the caller must be signed in,
  404 where the path or the request body names an object, plus any status the view declares (410, 429, 503, …);
- a list that may not be empty documents minItems 1;
- a choice field whose model column may hold "" (blank=True) documents "" as a value, also when the field is
  read-only (DRF drops allow_blank from read-only model fields, so the schema would otherwise reject real data).
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .api_errors import ApiErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input, an unknown or invalid filter value, or a refusal by a rule; nothing was written.",
    401: "Missing, invalid, revoked or expired credentials (WWW-Authenticate: Token).",
    403: "The caller's role or authority does not allow this, or a second factor or password change is owed.",
    404: "Does not exist or is out of the caller's reach.",
}


def _model_field(field):
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


class AutoSchema(SpectacularAutoSchema):
    def _authenticated(self) -> bool:
        return not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def error_statuses(self) -> list[int]:
        """The refusals this operation can answer, besides those its view declares."""
        statuses = [400]
        if self._authenticated():
            statuses += [401, 403]
        # A path naming an object, or a body naming one (a report, a city, an allegation), may name one that does
        # not exist or is out of the caller's reach.
        if "{" in self.path or (self._authenticated() and self.method in ("POST", "PUT", "PATCH")):
            statuses.append(404)
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        declared = [int(code) for code in responses if code.isdigit() and int(code) >= 400]
        for code in sorted(set(declared) | set(self.error_statuses())):
            description = responses.get(str(code), {}).get("description") or ERROR_DESCRIPTIONS.get(code, "")
            error = OpenApiResponse(ApiErrorSerializer, description=description)
            responses[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        return dict(sorted(responses.items()))

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and not field.allow_blank:
            column = _model_field(field)
            if isinstance(column, models.CharField) and column.blank:
                field.allow_blank = True  # this instance serves the schema only
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list that may not be empty says so, so a client (and schemathesis) does not send [] as valid input.
        if direction == "request" and getattr(field, "allow_empty", True) is False and schema.get("type") == "array":
            schema.setdefault("minItems", 1)
        return schema

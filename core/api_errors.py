from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

# Refusals because of who the caller is (their role or authority) rather than what they sent.
FORBIDDEN_CODES = frozenset({"forbidden", "no_authority", "wrong_authority"})
# Refusals because of the server's configuration, not the request: the caller cannot fix them.
UNAVAILABLE_CODES = frozenset({"identity_undecryptable"})
# Refusals of something that existed and is gone for good (an expired export's file).
GONE_CODES = frozenset({"expired", "gone"})
# Refusals the client resolves by confirming what it meant (registering a likely repeat as a linked one).
CONFLICT_CODES = frozenset({"possible_repeat"})


def exception_handler(exc, context):
    """Domain refusals become 400 (403 when the role may not act, 404 when out of reach, 409 when the client must
    confirm, 410 when a file is gone for good, 503 when the server lacks a key) with the message."""
    if isinstance(exc, DomainError):
        if exc.code in FORBIDDEN_CODES:
            code = status.HTTP_403_FORBIDDEN
        elif exc.code == "not_found":
            code = status.HTTP_404_NOT_FOUND
        elif exc.code in UNAVAILABLE_CODES:
            code = status.HTTP_503_SERVICE_UNAVAILABLE
        elif exc.code in GONE_CODES:
            code = status.HTTP_410_GONE
        elif exc.code in CONFLICT_CODES:
            code = status.HTTP_409_CONFLICT
        else:
            code = status.HTTP_400_BAD_REQUEST
        return Response({**exc.details, "detail": exc.message, "code": exc.code}, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)

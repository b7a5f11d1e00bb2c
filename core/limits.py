"""Request size limits, applied before anything reads or parses the body (issue 12).

A body declared over the limit is refused with 413 without reading a byte of it: MAX_REQUEST_BYTES for
multipart bodies (files, parsed to temporary files on disk), DATA_UPLOAD_MAX_MEMORY_SIZE for any other body
(form fields, JSON: read into memory). A body sent without a length (chunked) is copied to a temporary file
only up to the limit, and refused as soon as it passes it; a server that cannot tell where such a body ends
gets 411. Pages get a page in the user's language, /api/ the API's JSON error. The reverse proxy
(deploy/nginx/nginx.conf) refuses bodies over MAX_REQUEST_MB even earlier.
"""

import re
import tempfile

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from .errors import error_body

CHUNK = 64 * 1024
DIGITS = re.compile(r"\d+")
MB = 1024 * 1024


def _size(size: int) -> str:
    return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"


def body_limit(request: HttpRequest) -> int:
    """Files travel in multipart bodies, parsed to disk; any other body (form fields, JSON) is read into memory."""
    if request.content_type == "multipart/form-data" or settings.DATA_UPLOAD_MAX_MEMORY_SIZE is None:
        return settings.MAX_REQUEST_BYTES
    return min(settings.MAX_REQUEST_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def refusal(request: HttpRequest, *, status: int, code: str, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, "core/request_refused.html", {"title": title, "message": message}, status=status)


def too_large(request: HttpRequest) -> HttpResponse:
    return refusal(
        request,
        status=413,
        code="request_too_large",
        title=_("The request is too large"),
        message=_(
            "This request may carry at most %(request_size)s, and each file at most %(file_size)s. "
            "Please send fewer or smaller files."
        )
        % {"request_size": _size(body_limit(request)), "file_size": _size(settings.ATTACHMENT_MAX_BYTES)},
    )


class RequestSizeLimitMiddleware:
    """Placed before anything that reads the body (CSRF reads POST, the views parse files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        declared = (request.META.get("CONTENT_LENGTH") or "").strip()
        if request.META.get("CONTENT_LENGTH") not in (None, ""):
            if not DIGITS.fullmatch(declared):
                return refusal(
                    request,
                    status=400,
                    code="bad_content_length",
                    title=_("The request is malformed"),
                    message=_("Its Content-Length header is not a number of bytes."),
                )
            if len(declared) > 18 or int(declared) > limit:
                return too_large(request)
        elif request.META.get("HTTP_TRANSFER_ENCODING"):
            with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
                refused = self._take_unsized_body(request, body, limit)
                return refused or self.get_response(request)
        return self.get_response(request)

    def _take_unsized_body(self, request: HttpRequest, body, limit: int) -> HttpResponse | None:
        """Copy a chunked body into `body`, up to the limit, and give it to Django with its length.

        Django reads no body without a Content-Length, so a chunked upload would otherwise arrive empty.
        """
        if not request.environ.get("wsgi.input_terminated"):
            # The WSGI server does not mark where the body ends: reading it could block until the client leaves.
            return refusal(
                request,
                status=411,
                code="length_required",
                title=_("The request has no length"),
                message=_("Send the request with a Content-Length header."),
            )
        source, size = request.environ["wsgi.input"], 0
        while chunk := source.read(min(CHUNK, limit + 1 - size)):
            size += len(chunk)
            if size > limit:
                return too_large(request)
            body.write(chunk)
        body.seek(0)
        request._stream = LimitedStream(body, size)  # WSGIRequest made its stream from CONTENT_LENGTH, absent here
        request.META["CONTENT_LENGTH"] = str(size)
        return None


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """Django's 400, with a clear answer when its parser stopped a request: too many files or fields, too much data."""
    if isinstance(exception, TooManyFilesSent):
        return refusal(
            request,
            status=400,
            code="too_many_files",
            title=_("Too many files"),
            message=_("Attach at most %(count)s files.") % {"count": settings.MAX_UPLOAD_FILES},
        )
    if isinstance(exception, TooManyFieldsSent):
        return refusal(
            request,
            status=400,
            code="too_many_fields",
            title=_("The request is malformed"),
            message=_("The form has too many fields."),
        )
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("bad_request", _("Bad request.")), status=400)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """Django's 404 (a path no route matches, e.g. /api/reports/abc/): the API's error body under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)

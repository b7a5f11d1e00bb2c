from functools import wraps

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class ChosenLanguageMiddleware:
    """Simplified Chinese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a commission's staff expect
    the product in Chinese whatever their browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


class NoStoreMiddleware:
    """Nothing a signed-in user sees, and nothing from the API, stays in the browser's cache (issue 12).

    A shared office PC must not keep case content: every response to an authenticated user and every /api/
    response says Cache-Control: no-store and Pragma: no-cache. The public pages that show a receipt code or
    feedback are marked by their views (never_cache); static files are served before this middleware by
    WhiteNoise and keep their caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            mark_no_store(response)
        return response


def mark_no_store(response) -> None:
    add_never_cache_headers(response)  # merges no-store, no-cache, must-revalidate, private, max-age=0
    response.headers["Pragma"] = "no-cache"


def no_store(view):
    """The same marking for a page anyone may open that shows something private (a receipt code, feedback)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        mark_no_store(response)
        return response

    return wrapped

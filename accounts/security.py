"""Session limits and required two-factor authentication for the roles that need it."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from core.errors import error_body

from . import jurisdiction

SESSION_STARTED = "auth_started_at"
SESSION_RENEWED = "renewed_at"
# Pages a signed-in user must reach before the second factor: logging in and out, the 2FA pages, the language
# switch, the public pages and the token endpoint (which asks for the one-time code itself).
EXEMPT_PREFIXES = (
    "/login/",
    "/logout/",
    "/account/two-factor/",
    "/i18n/",
    "/static/",
    "/public/",
    "/healthz",
    "/api/auth/token/",
)
API_PREFIX = "/api/"
TWO_FACTOR_REQUIRED = "two_factor_required"


def loaded_user(user):
    """The user object itself, loaded. Authentication and django-otp each wrap request.user in a lazy proxy, and
    every attribute read through the two of them raised and caught an AttributeError in each: a page reads the
    user a hundred times or more (bench/profile_request.py)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class LoadedUserMiddleware:
    """Right after django-otp's middleware: the rest of the request reads the user object itself (loaded_user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(request, "user", None) is not None:
            request.user = loaded_user(request.user)
        return self.get_response(request)


class SessionLimitsMiddleware:
    """The idle limit is SESSION_COOKIE_AGE, renewed (the session saved) at most every SESSION_RENEW_SECONDS
    rather than on every request; this adds the absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(f"{reverse('login')}?next={request.path}")
            if now - request.session.get(SESSION_RENEWED, 0) >= settings.SESSION_RENEW_SECONDS:
                request.session[SESSION_RENEWED] = now
        return self.get_response(request)


def requires_two_factor(user) -> bool:
    wanted = set(settings.TWO_FACTOR_ROLES)
    return bool(wanted) and bool(jurisdiction.roles_of(user) & wanted)


def second_factor_missing(user, *, verified: bool) -> bool:
    """The one rule for pages, the API and API tokens: a user of a two-factor role must have proved a second
    factor (in this session, or when their token was issued) before anything else."""
    return requires_two_factor(user) and not verified


def two_factor_refusal() -> dict:
    """The API's answer (403) to a caller that still owes the second factor."""
    return {
        "detail": _(
            "Two-factor authentication is required: enter the code from your authenticator app on the "
            "two-factor page first, or ask for an API token with the code."
        ),
        "code": TWO_FACTOR_REQUIRED,
    }


class RequireTwoFactorMiddleware:
    """Supervisors and admins (TWO_FACTOR_ROLES) must verify a second factor before any staff page or API call:
    pages send them to the two-factor page, the API answers 403 `two_factor_required`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and second_factor_missing(user, verified=user.is_verified())
        ):
            if request.path.startswith(API_PREFIX):
                refusal = two_factor_refusal()
                return JsonResponse(error_body(refusal["code"], refusal["detail"]), status=403)
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return self.get_response(request)

"""Session limits and required two-factor authentication for the roles that need it."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from accounts import jurisdiction

SESSION_STARTED = "auth_started_at"
SESSION_RENEWED = "renewed_at"
# Pages a signed-in user must reach before the second factor: logging in and out, the 2FA pages,
# the language switch, the public pages and the API (which authenticates by token or session itself).
EXEMPT_PREFIXES = ("/login/", "/logout/", "/account/two-factor/", "/i18n/", "/static/", "/public/", "/healthz", "/api/")


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


class RequireTwoFactorMiddleware:
    """Supervisors and admins (TWO_FACTOR_ROLES) must verify a second factor before any staff page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and requires_two_factor(user)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return self.get_response(request)

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.errors import error_body


class PasswordChangeRequiredMiddleware:
    """A user whose password an administrator set must choose their own before anything else: pages lead to the
    password page, the API refuses. Signing out, the second factor and the language switch stay reachable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def exempt(self, path: str) -> bool:
        allowed = (reverse("password-change"), reverse("logout"), reverse("login"), reverse("two-factor"))
        return path in allowed or path.startswith(("/i18n/", settings.STATIC_URL, "/healthz"))

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password and not self.exempt(request.path):
            if request.path.startswith("/api/"):
                message = _("Choose a new password on the password page before using the API.")
                return JsonResponse(error_body("password_change_required", message), status=403)
            return redirect(f"{reverse('password-change')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

"""Password sign-in, shared by the login page and the API token endpoint.

Two brakes on guessing, both fed by django-axes' failure records:
- axes locks the COMBINATION of user name and client address after LOGIN_FAILURE_LIMIT failures, so a
  guesser neither locks the name out for everyone nor locks out everyone behind their address;
- a per-name back-off: past LOGIN_BACKOFF_AFTER_FAILURES failures of a name (from all addresses) each
  further attempt waits a delay that doubles per failure, capped at LOGIN_BACKOFF_MAX_SECONDS. During the
  wait, an attempt without a one-time code is refused before the password is checked (it tests nothing and
  counts nothing); one WITH the password and a valid code of the user's authenticator gets in, so the
  back-off never locks out a user who holds the second factor.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import error_body
from core.ratelimit import client_ip

from .models import User
from .security import API_PREFIX, requires_two_factor


class SignInRefused(Exception):
    """A refused sign-in; `code` is stable for the API, `message` is for people."""

    def __init__(self, code: str, message: str, *, seconds: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.seconds = seconds

    @property
    def too_many(self) -> bool:
        return self.code in ("login_backoff", "locked_out")


@dataclass
class SignIn:
    user: User
    device: Device | None  # the second factor proved with the password, if any


def backoff_seconds(username: str) -> int:
    """How long this user name must still wait before a password alone is checked again (0: no wait)."""
    if not username:
        return 0
    since = timezone.now() - (get_cool_off() or timedelta(minutes=15))
    seen = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    excess = (seen["failures"] or 0) - settings.LOGIN_BACKOFF_AFTER_FAILURES
    if excess < 0:
        return 0
    delay = min(2**excess, settings.LOGIN_BACKOFF_MAX_SECONDS)
    remaining = (seen["last"] + timedelta(seconds=delay) - timezone.now()).total_seconds()
    return max(0, math.ceil(remaining))


def audit_incident(*, action: str, username: str, ip_address: str | None, window: timedelta, **data) -> None:
    """Record a lockout or back-off once per user name and address and window: a guesser hammering a locked
    name must not flood the audit trail (every attempt stays in django-axes' records)."""
    since = timezone.now() - window
    recorded = AuditEvent.objects.filter(created_at__gte=since, action=action, data__username=username)
    if recorded.filter(data__ip_address=ip_address).exists():
        return
    audit_record(
        actor=None,
        action=action,
        target=User.objects.filter(username=username).first(),
        target_label=username,
        username=username,
        ip_address=ip_address,
        **data,
    )


def _failed(request: HttpRequest, username: str) -> None:
    """Count a failure with axes (a right password with a wrong code is a failed sign-in too)."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def signin_check(
    *, request: HttpRequest, username: str, password: str, otp: str = "", need_second_factor: bool = False
) -> SignIn:
    """Check a user name, a password and, if given, a one-time (or recovery) code.

    need_second_factor: the caller must prove a second factor now when the user's role requires one (the
    token endpoint; the login page leaves that to the two-factor page). Raises SignInRefused.
    """
    otp = (otp or "").replace(" ", "")
    waiting = backoff_seconds(username)
    if waiting and not otp:
        audit_incident(
            action="auth.backoff",
            username=username,
            ip_address=client_ip(request),
            window=timedelta(seconds=settings.LOGIN_BACKOFF_MAX_SECONDS),
            seconds=waiting,
        )
        raise SignInRefused(
            "login_backoff",
            _(
                "Too many failed sign-ins for this user name. Try again in %(seconds)d seconds, or enter the "
                "code from your authenticator app together with your password."
            )
            % {"seconds": waiting},
            seconds=waiting,
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise SignInRefused("locked_out", lockout_message())
        raise SignInRefused("invalid_login", _("The user name and password did not match."))
    device = None
    if otp:
        device = match_token(user, otp)
        if device is None:
            _failed(request, username)
            if waiting or not need_second_factor:
                # While the name is under attack, a wrong code must not tell that the password was right.
                raise SignInRefused("invalid_login", _("The user name, password or code did not match."))
            raise SignInRefused("two_factor_invalid", _("That code is not valid. Try the current code from your app."))
    if need_second_factor and device is None and requires_two_factor(user):
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise SignInRefused(
                "two_factor_not_enrolled",
                _("Your role requires two-factor authentication: sign in on the web once to set it up."),
            )
        raise SignInRefused(
            "two_factor_required",
            _("Your role requires two-factor authentication: send the code from your authenticator app as “otp”."),
        )
    return SignIn(user=user, device=device)


def lockout_message() -> str:
    return _(
        "Too many failed sign-ins for this user name from this address. Try again later, or ask your administrator."
    )


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked name-and-address pair (AXES_LOCKOUT_CALLABLE): JSON for the API."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body("locked_out", lockout_message()), status=status)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"message": lockout_message()}, status=status)

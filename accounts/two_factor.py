"""Second-factor pages: enrol a TOTP authenticator with recovery codes, then verify at each login."""

import base64
import io
import time

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services

RECOVERY_CODES = 10
# When the session's password login happened: enrolment is offered only shortly after it.
PASSWORD_LOGIN_AT = "password_login_at"


@receiver(user_logged_in)
def _remember_password_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[PASSWORD_LOGIN_AT] = int(time.time())


def _fresh_password_login(request) -> bool:
    """A new authenticator is bound only in a session whose password login is recent: a session taken over later
    (a stolen cookie, an unlocked PC) cannot enrol the taker's phone for a user who has none yet."""
    logged_in_at = request.session.get(PASSWORD_LOGIN_AT)
    window = settings.TWO_FACTOR_ENROL_WITHIN_MINUTES * 60
    return logged_in_at is not None and 0 <= time.time() - logged_in_at <= window


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app, or a recovery code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@never_cache
@login_required
def two_factor(request):
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if not confirmed:
        return _enrol(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            services.user_two_factor_passed(user=user, device=device.__class__.__name__)
            return redirect(_next(request))
        form.add_error("token", _("That code is not valid. Try the current code from your app."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


@transaction.atomic
def _enrol(request):
    user = request.user
    if not _fresh_password_login(request):
        logout(request)
        messages.info(
            request,
            _("To set up two-factor authentication, sign in again: it must follow a password login directly."),
        )
        return redirect(f"{reverse('login')}?{urlencode({'next': reverse('two-factor')})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            static, _created = StaticDevice.objects.get_or_create(user=user, name="recovery")
            static.token_set.all().delete()
            codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
            for code in codes:
                static.token_set.create(token=code)
            otp_login(request, device)
            services.user_two_factor_enrolled(user=user)
            messages.success(request, _("Two-factor authentication is on."))
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("token", _("That code is not valid. Try the current code from your app."))
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "qr": mark_safe(_qr_svg(device.config_url)),
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": _next(request),
        },
    )

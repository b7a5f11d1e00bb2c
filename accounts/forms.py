from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import signin
from .tokens import NAME_MAX_LENGTH


class SignInForm(AuthenticationForm):
    """The login page: user name and password, and a one-time code that lets a user in during a back-off."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app (only if asked)"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.backoff_seconds = 0
        self.device = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            try:
                result = signin.signin_check(
                    request=self.request, username=username, password=password, otp=self.cleaned_data.get("otp_token")
                )
            except signin.SignInRefused as refusal:
                self.backoff_seconds = refusal.seconds
                raise ValidationError(refusal.message, code=refusal.code) from refusal
            self.confirm_login_allowed(result.user)
            self.user_cache, self.device = result.user, result.device
        return self.cleaned_data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Client name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("The script or program that will use the token, e.g. “nightly export”."),
    )

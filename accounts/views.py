"""The login page, the user's own password page and the owner's API token page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from core.errors import DomainError

from . import services
from .forms import ApiTokenForm, SignInForm
from .jurisdiction import get_in_reach
from .models import ApiToken
from .tokens import TokenState, api_token_issue, api_token_revoke, api_token_state, api_tokens_of

TOKENS_SHOWN = 50


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.device is not None:
            otp_login(self.request, form.device)
            services.user_two_factor_passed(user=form.get_user(), via="login")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.backoff_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.backoff_seconds)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"

    def _next(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()})
        return target if allowed and not target.startswith(self.request.path) else ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self._next(), forced=self.request.user.must_change_password)

    def form_valid(self, form):
        try:
            user = services.user_password_change(user=self.request.user, password=form.cleaned_data["new_password1"])
        except DomainError as error:
            form.add_error("new_password1", error.message)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self._next() or "home")


@never_cache
@login_required
def api_tokens(request):
    """The owner's tokens: create one for a named client (its key shown once), list them, revoke one."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = api_token_issue(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    two_factor=request.user.is_verified(),
                    actor=request.user,
                    via="account_page",
                )
                form = ApiTokenForm()
            except DomainError as error:
                form.add_error("name", error.message)
                status = 400
        else:
            status = 400
    now = timezone.now()
    tokens = list(api_tokens_of(request.user)[:TOKENS_SHOWN])
    for token in tokens:
        token.state = api_token_state(token, now=now)
        token.state_label = TokenState.LABELS[token.state]
    context = {
        "form": form,
        "tokens": tokens,
        "new_key": new_key,
        "active": TokenState.ACTIVE,
        "ttl_hours": f"{settings.API_TOKEN_TTL_HOURS:g}",
    }
    return render(request, "accounts/api_tokens.html", context, status=status)


@require_POST
@login_required
def api_token_revoke_view(request, pk: int):
    token = get_in_reach(ApiToken.objects.filter(user=request.user), pk=pk)
    try:
        api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("account-tokens")

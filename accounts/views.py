"""The user's own password page; also where a password set by an administrator must be replaced."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.errors import DomainError

from . import services


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

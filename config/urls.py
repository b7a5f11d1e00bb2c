from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import two_factor
from accounts import views as account_views
from accounts.apis import MeView, PasswordChangeView, TokenIssueView
from core import views as core_views

from .api_urls import router

# A request the parser stopped (too many files or fields) gets a clear answer, a page or the API's JSON error.
handler400 = "core.limits.bad_request"
handler404 = "core.limits.not_found"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("account/", core_views.profile, name="profile"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", two_factor.two_factor, name="two-factor"),
    path("account/tokens/", account_views.api_tokens, name="account-tokens"),
    path("account/tokens/<int:pk>/revoke/", account_views.api_token_revoke_view, name="account-token-revoke"),
    path("account/password/", account_views.PasswordChangeView.as_view(), name="password-change"),
    path("i18n/setlang/", set_language, name="set_language"),
    # One login page for everything, so its throttling cannot be bypassed through the admin's own form.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/me/", MeView.as_view(), name="api-me"),
    path("api/me/password/", PasswordChangeView.as_view(), name="api-password-change"),
    path("api/", include(router.urls)),
    path("api/auth/token/", TokenIssueView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    # Each domain app brings its own pages.
    path("", include("cases.urls")),
    path("", include("cases.public_urls")),
    path("", include("clarification.urls")),
    path("", include("accountability.urls")),
    path("", include("stats.urls")),
    path("", include("inbox.urls")),
]

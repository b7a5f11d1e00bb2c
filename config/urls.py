from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

from accounts.apis import MeView
from accounts.views import PasswordChangeView
from core import two_factor
from core import views as core_views

from .api_urls import router


def _app_urls(module: str) -> list:
    """Each domain app brings its own pages; an app without pages yet contributes none."""
    from importlib import import_module

    try:
        import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return []
    return [path("", include(module))]


urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", two_factor.two_factor, name="two-factor"),
    path("account/password/", PasswordChangeView.as_view(), name="password-change"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/me/", MeView.as_view(), name="api-me"),
    path("api/", include(router.urls)),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *_app_urls("cases.urls"),
    *_app_urls("cases.public_urls"),
    *_app_urls("clarification.urls"),
    *_app_urls("accountability.urls"),
    *_app_urls("stats.urls"),
]

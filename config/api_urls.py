"""The API router: each app lists its endpoints as ROUTES in its own `apis` module."""

from rest_framework.routers import DefaultRouter

from accountability import apis as accountability_apis
from accounts import apis as accounts_apis
from cases import apis as cases_apis
from clarification import apis as clarification_apis
from core import apis as core_apis
from inbox import apis as inbox_apis
from stats import apis as stats_apis

API_MODULES = [core_apis, accounts_apis, cases_apis, clarification_apis, accountability_apis, stats_apis, inbox_apis]

router = DefaultRouter()
for module in API_MODULES:
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

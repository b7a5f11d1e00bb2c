"""The API router: each app lists its endpoints as ROUTES in its own `apis` module."""

from importlib import import_module

from rest_framework.routers import DefaultRouter

API_APPS = ["core", "accounts", "cases", "clarification", "accountability", "stats", "inbox"]

router = DefaultRouter()
for app in API_APPS:
    try:
        module = import_module(f"{app}.apis")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.apis":
            raise
        continue
    for prefix, viewset, basename in getattr(module, "ROUTES", []):
        router.register(prefix, viewset, basename=basename)

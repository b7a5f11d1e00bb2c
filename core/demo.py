"""Demo data for `make run`: each app contributes its own part, in order, through its services."""

from importlib import import_module

from django.conf import settings
from django.utils import translation

from accounts import demo as accounts_demo
from accounts.models import Commission, User

# Later apps build on the earlier ones' demo data (reports, then clarifications, accountability, ...).
DEMO_APPS = ["cases", "clarification", "accountability", "stats"]


def seed_all() -> list[str]:
    # Demo texts built from choice labels read as the product's default language.
    with translation.override(settings.LANGUAGE_CODE):
        return _seed_all()


def _seed_all() -> list[str]:
    accounts_demo.seed()
    lines = [f"{Commission.objects.count()} commissions, {User.objects.count()} users"]
    for app in DEMO_APPS:
        try:
            module = import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        summary = module.seed()
        if summary:
            lines.append(f"{app}: {summary}")
    return lines

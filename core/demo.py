"""Demo data for `make run`: each app contributes its own part, in order, through its services."""

from django.conf import settings
from django.utils import translation

from accountability import demo as accountability_demo
from accounts import demo as accounts_demo
from accounts.models import Commission, User
from cases import demo as cases_demo
from clarification import demo as clarification_demo
from stats import demo as stats_demo

# Later apps build on the earlier ones' demo data (reports, then clarifications, accountability, ...).
DEMO_APPS = [
    ("cases", cases_demo),
    ("clarification", clarification_demo),
    ("accountability", accountability_demo),
    ("stats", stats_demo),
]


def seed_all() -> list[str]:
    # Demo texts built from choice labels read as the product's default language.
    with translation.override(settings.LANGUAGE_CODE):
        return _seed_all()


def _seed_all() -> list[str]:
    accounts_demo.seed()
    lines = [f"{Commission.objects.count()} commissions, {User.objects.count()} users"]
    for app, module in DEMO_APPS:
        summary = module.seed()
        if summary:
            lines.append(f"{app}: {summary}")
    return lines

"""Demo data for `make run`: each app contributes its own part, in order."""

from accounts import demo as accounts_demo
from accounts.models import Commission, User


def seed_all() -> list[str]:
    accounts_demo.seed()
    return [f"{Commission.objects.count()} commissions, {User.objects.count()} users"]

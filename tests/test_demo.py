"""The demo data `make run` loads (`seed_demo`): the suite's demo world, built once per test run
(tests/demo_world.py)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Commission, Membership, User

pytestmark = pytest.mark.django_db


def test_demo_command_is_idempotent_and_every_demo_login_reaches_home(client, world):
    # The world is seed_demo's (tests/demo_world.py): a second run adds nothing.
    counts = (Commission.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo", "--i-know-this-is-not-production")
    assert (Commission.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    for username in [
        "zhanyi-intake",
        "zhanyi-investigator",
        "zhanyi-supervisor",
        "qilin-investigator",
        "qujing-supervisor",
        "qujing-admin",
        "yunnan-admin",
    ]:
        response = client.post(reverse("login"), {"username": username, "password": settings.DEMO_PASSWORD})
        assert response.status_code == 302, username
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert User.objects.get(username=username).full_name in response.content.decode()
        client.logout()


def test_demo_admin_reaches_the_django_admin_for_commissions(client, world):
    client.post(reverse("login"), {"username": "qujing-admin", "password": settings.DEMO_PASSWORD})
    assert client.get("/admin/accounts/commission/").status_code == 200
    assert client.get("/admin/audit/auditevent/").status_code == 403

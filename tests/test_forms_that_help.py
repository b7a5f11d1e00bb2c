"""Forms that help (issue 16): a select with one possible choice comes with it selected."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from cases.public_forms import PlaceCodeForm
from core.forms import only_choice

from .factories import member

pytestmark = pytest.mark.django_db


def selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def test_the_only_city_of_a_batch_is_preselected(client, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)

    html = client.get(reverse("clarification:batch-list")).content.decode()

    assert selected(html, "city") == [str(tree["qujing"].pk)]


def test_two_cities_leave_the_choice_to_the_user(client, tree, qujing_supervisor):
    member("qujing-supervisor", tree["kunming"], Role.SUPERVISOR)
    client.force_login(qujing_supervisor)

    html = client.get(reverse("clarification:batch-list")).content.decode()

    assert selected(html, "city") == [""]  # the empty choice, as before


def test_the_only_commission_of_a_qr_code_is_preselected(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)

    html = client.get(reverse("public:intake_codes")).content.decode()

    assert selected(html, "commission") == [str(tree["zhanyi"].pk)]


def test_a_supervisor_over_several_commissions_chooses_the_qr_commission(client, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)

    html = client.get(reverse("public:intake_codes")).content.decode()

    assert selected(html, "commission") == [""]


def test_preselection_does_not_widen_the_choices(tree):
    """The preselected value is only an initial value: a bound form still validates against the field's queryset."""
    from accounts.models import Commission

    form = PlaceCodeForm(
        {"commission": tree["qilin"].pk, "place": "大厅"},
        commissions=Commission.objects.filter(pk=tree["zhanyi"].pk),
    )

    assert not form.is_valid()
    assert "commission" in form.errors
    assert only_choice(form.fields["commission"]) == tree["zhanyi"].pk

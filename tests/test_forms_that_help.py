"""Forms that help (issue 16): a select with one possible choice comes with it selected."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from cases.public_forms import PlaceCodeForm
from core.forms import only_choice

from .factories import member
from .test_public_intake import client as public_client  # noqa: F401  (a client with an address of its own)
from .test_public_intake import fresh_cache, submit  # noqa: F401  (a cache namespace per test)

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


def field_errors(html: str, field_id: str) -> str:
    """The error list inside the field's own block (cases/public/_field.html)."""
    for block in re.findall(r'<div class="field">(.*?)\n</div>', html, re.S):
        if f'id="{field_id}"' in block:
            found = re.search(r'<ul class="errorlist.*?</ul>', block, re.S)
            return found.group(0) if found else ""
    raise AssertionError(f"no field {field_id}")


def test_a_refused_file_is_named_beside_the_file_field_with_the_other_errors(public_client, tree):  # noqa: F811
    from cases.models import Report

    response = submit(
        public_client, identity="named", name="", attachments=[SimpleUploadedFile("tool.exe", b"MZ\x90\x00binary")]
    )
    html = response.content.decode()

    assert "tool.exe" in field_errors(html, "id_attachments")  # beside the file field
    assert field_errors(html, "id_name")  # at once, with the other field's error
    banner = re.search(r'<div class="msg msg-error" role="alert">(.*?)</div>', html, re.S).group(1)
    assert "tool.exe" not in banner
    assert not Report.objects.exists()

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


# --- Investigators of other commissions are picked from a search of the supervisor's reach -------------------


def _qujing_report(tree, qujing_supervisor):
    from cases.models import Report

    from .cases_helpers import register

    intake = member("qujing-intake", tree["qujing"], Role.INTAKE, "letters_visits")
    report = register(intake, tree["qujing"]).report
    services_disposition(report, qujing_supervisor)
    return Report.objects.get(pk=report.pk)


def services_disposition(report, supervisor):
    from cases import services

    services.disposition_propose(actor=supervisor, report=report, kind="preliminary", reasons="需初步核实")
    services.disposition_approve(actor=supervisor, report=report)


def picked(client, report, query: str) -> list[str]:
    response = client.get(reverse("cases:investigator-search", args=[report.pk]), {"q": query})
    assert response.status_code == 200
    return [row["username"] for row in response.json()["results"]]


def test_the_investigator_search_lists_an_investigator_of_a_county_below(client, tree, qujing_supervisor):
    report = _qujing_report(tree, qujing_supervisor)
    member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    client.force_login(qujing_supervisor)

    assert picked(client, report, "qilin") == ["qilin-investigator"]


def test_the_investigator_search_never_lists_a_sibling_commissions_investigator(
    client, tree, zhanyi_intake, zhanyi_supervisor, qilin_investigator
):
    from .cases_helpers import register

    report = register(zhanyi_intake, tree["zhanyi"]).report
    services_disposition(report, zhanyi_supervisor)
    member("kunming-investigator", tree["kunming"], Role.INVESTIGATOR, "investigation")
    client.force_login(zhanyi_supervisor)

    assert picked(client, report, "qilin") == []  # a sibling county
    assert picked(client, report, "kunming") == []  # a sibling city above


def test_the_investigator_search_lists_no_user_without_the_investigator_role(client, tree, qujing_supervisor):
    report = _qujing_report(tree, qujing_supervisor)
    member("qilin-intake", tree["qilin"], Role.INTAKE, "letters_visits")
    client.force_login(qujing_supervisor)

    assert picked(client, report, "qilin") == []


def test_the_investigator_search_lists_nobody_for_a_user_who_leads_no_commission(
    client, tree, qujing_supervisor, zhanyi_investigator
):
    report = _qujing_report(tree, qujing_supervisor)
    member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    member("zhanyi-investigator", tree["qujing"], Role.INVESTIGATOR, "investigation")
    client.force_login(zhanyi_investigator)

    assert picked(client, report, "qilin") == []


def test_the_investigator_search_of_a_report_out_of_reach_is_not_found(client, tree, qujing_supervisor):
    report = _qujing_report(tree, qujing_supervisor)
    outsider = member("kunming-supervisor", tree["kunming"], Role.SUPERVISOR)
    client.force_login(outsider)

    response = client.get(reverse("cases:investigator-search", args=[report.pk]), {"q": "qilin"})

    assert response.status_code == 404


def test_the_investigator_search_sends_an_anonymous_caller_to_sign_in(client, tree, qujing_supervisor):
    report = _qujing_report(tree, qujing_supervisor)

    response = client.get(reverse("cases:investigator-search", args=[report.pk]), {"q": "qilin"})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_verification_starts_with_an_investigator_picked_from_another_commission(client, tree, qujing_supervisor):
    report = _qujing_report(tree, qujing_supervisor)
    qilin = member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    client.force_login(qujing_supervisor)

    client.post(reverse("cases:report-action", args=[report.pk, "start-verification"]), {"others": [qilin.pk]})

    report.refresh_from_db()
    assert report.status == "under_verification"
    assert list(report.assignments.values_list("user__username", flat=True)) == ["qilin-investigator"]


def test_the_service_still_refuses_a_picked_user_who_is_no_investigator(client, tree, qujing_supervisor):
    from django.contrib.messages import get_messages

    report = _qujing_report(tree, qujing_supervisor)
    intake = member("qilin-intake", tree["qilin"], Role.INTAKE, "letters_visits")
    client.force_login(qujing_supervisor)

    response = client.post(
        reverse("cases:report-action", args=[report.pk, "start-verification"]), {"others": [intake.pk]}
    )

    report.refresh_from_db()
    assert report.status == "disposition_approved"
    assert "不能指派" in " ".join(str(m) for m in get_messages(response.wsgi_request))  # not_investigator


def test_another_investigator_is_assigned_from_the_search_own_commission_included(client, tree, qujing_supervisor):
    report = _qujing_report(tree, qujing_supervisor)
    own = member("qujing-investigator", tree["qujing"], Role.INVESTIGATOR, "investigation")
    qilin = member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    client.force_login(qujing_supervisor)
    client.post(reverse("cases:report-action", args=[report.pk, "start-verification"]), {"others": [qilin.pk]})
    search = reverse("cases:investigator-search", args=[report.pk])
    # Beside the checkboxes of its own, the start of a verification searches only other commissions; assigning
    # another investigator later searches the handling commission's own too, never one assigned already.
    assert [r["username"] for r in client.get(search, {"q": "qujing"}).json()["results"]] == []
    scoped = client.get(search, {"q": "q", "scope": "all"}).json()["results"]
    assert [r["username"] for r in scoped] == ["qujing-investigator"]

    client.post(reverse("cases:report-action", args=[report.pk, "assign"]), {"investigators": [own.pk]})

    assert set(report.assignments.filter(active=True).values_list("user__username", flat=True)) == {
        "qilin-investigator",
        "qujing-investigator",
    }
    page = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()
    assert 'id="assign-search"' in page and "username" not in page.split('id="assign-search"')[0][-600:]
    assert f'name="investigator" value="{qilin.pk}"' in page  # its "end assignment" button

    client.post(reverse("cases:report-action", args=[report.pk, "unassign"]), {"investigator": qilin.pk})

    assert list(report.assignments.filter(active=True).values_list("user__username", flat=True)) == [
        "qujing-investigator"
    ]


def test_assigning_nobody_is_refused_and_changes_nothing(client, tree, qujing_supervisor):
    from django.contrib.messages import get_messages

    report = _qujing_report(tree, qujing_supervisor)
    qilin = member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    client.force_login(qujing_supervisor)
    client.post(reverse("cases:report-action", args=[report.pk, "start-verification"]), {"others": [qilin.pk]})

    response = client.post(reverse("cases:report-action", args=[report.pk, "assign"]), {})

    assert report.assignments.count() == 1
    assert "该字段是必填项" in " ".join(str(m) for m in get_messages(response.wsgi_request))  # the field's refusal


# --- The three-office review: each office's opinion form is in its own action panel ---------------------------


def _aside(html: str) -> str:
    return html[html.index("<aside>") : html.index("</aside>")]


@pytest.fixture
def in_review(tree, zhanyi_supervisor, zhanyi_investigator):
    from clarification import services as clarification_services

    from .clarification_helpers import concluded_report, draft, reviewers

    offices = reviewers(tree["zhanyi"], "zhanyi")
    report = concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)
    recommendation = draft(report, zhanyi_investigator)
    clarification_services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    return recommendation, offices


def test_each_review_office_finds_its_opinion_form_in_its_own_action_panel(client, in_review):
    recommendation, offices = in_review
    for office, user in offices.items():
        client.force_login(user)
        html = client.get(reverse("clarification:detail", args=[recommendation.pk])).content.decode()
        aside = _aside(html)

        assert f'id="review-{office}"' in aside  # in the action panel, not beside the table
        assert f'<input type="hidden" name="office" value="{office}">' in aside
        assert html.count('name="office"') == 1, "only this office's form"
        others = [o for o in offices if o != office]
        assert not any(f'id="review-{o}"' in html for o in others)


def test_who_reviews_for_no_office_gets_no_opinion_form(client, in_review, zhanyi_investigator, zhanyi_supervisor):
    recommendation, _offices = in_review
    for user in (zhanyi_investigator, zhanyi_supervisor):
        client.force_login(user)
        html = client.get(reverse("clarification:detail", args=[recommendation.pk])).content.decode()

        assert 'name="office"' not in html and 'id="review-' not in html


# --- After every finding the investigator is told the conclusion waits for the supervisor ----------------------


@pytest.fixture
def all_found(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    from cases import services

    from .cases_helpers import register, to_verification

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    for allegation in report.allegations.all():
        services.finding_record(
            actor=zhanyi_investigator, report=report, allegation=allegation, finding="unsubstantiated", notes="经核查"
        )
    return report


AWAITING = 'id="awaiting-conclusion"'


def test_the_investigator_is_told_the_conclusion_waits_for_the_supervisor(client, all_found, zhanyi_investigator):
    client.force_login(zhanyi_investigator)

    aside = _aside(client.get(reverse("cases:report-detail", args=[all_found.pk])).content.decode())

    assert AWAITING in aside and "现等待分管领导批准核查结论" in aside
    assert "批准核查结论</button>" not in aside


def test_the_supervisor_gets_the_approval_form_instead_of_the_waiting_note(client, all_found, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)

    aside = _aside(client.get(reverse("cases:report-detail", args=[all_found.pk])).content.decode())

    assert AWAITING not in aside
    assert "/do/conclude/" in aside


def test_the_waiting_note_waits_for_every_finding(client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    from cases import services

    from .cases_helpers import register, to_verification

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    first = report.allegations.order_by("id").first()
    services.finding_record(actor=zhanyi_investigator, report=report, allegation=first, finding="unsubstantiated")
    assert report.allegations.count() > 1
    client.force_login(zhanyi_investigator)

    html = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()

    assert AWAITING not in html


def test_the_intake_officer_is_not_told_about_the_conclusion(client, all_found, zhanyi_intake):
    client.force_login(zhanyi_intake)

    html = client.get(reverse("cases:report-detail", args=[all_found.pk])).content.decode()

    assert AWAITING not in html


# --- The finding form has room of its own -------------------------------------------------------------------


def test_the_finding_forms_are_below_the_allegations_table_not_in_its_cells(
    client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    from .cases_helpers import register, to_verification

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    client.force_login(zhanyi_investigator)

    html = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()
    table = re.search(r'<table class="table allegations">.*?</table>', html, re.S).group(0)
    forms = html[html.index('id="finding-forms"') :]

    assert "/do/record-finding/" not in table
    for allegation in report.allegations.all():
        assert f'href="#finding-form-{allegation.pk}"' in table  # the cell points to the form
        assert f'id="finding-form-{allegation.pk}"' in forms
    assert forms.count("/do/record-finding/") == report.allegations.count()


def test_who_does_not_investigate_gets_no_finding_forms(
    client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    from .cases_helpers import register, to_verification

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    client.force_login(zhanyi_supervisor)

    html = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()

    assert 'id="finding-forms"' not in html and "/do/record-finding/" not in html


# --- File fields carry the server's rules, for the check in the browser -------------------------------------


def test_the_file_field_carries_the_servers_limits_not_a_copy(settings):
    from cases.public_forms import PublicReportForm
    from cases.services.attachments import ALLOWED

    settings.ATTACHMENT_MAX_BYTES = 3 * 1024 * 1024
    settings.MAX_UPLOAD_FILES = 4

    html = str(PublicReportForm()["attachments"])

    assert 'data-max-bytes="3145728"' in html and 'data-max-files="4"' in html
    assert f'accept="{",".join("." + e for e in ALLOWED)}"' in html
    assert "上限为 3 MB" in html  # the server's own message, with {name} for the file's name
    assert "{name}" in html


def test_a_commission_without_investigators_says_so_instead_of_an_empty_list(
    client, tree, qujing_supervisor, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    from .cases_helpers import register

    city = _qujing_report(tree, qujing_supervisor)
    county = register(zhanyi_intake, tree["zhanyi"]).report
    services_disposition(county, zhanyi_supervisor)

    client.force_login(qujing_supervisor)
    city_html = client.get(reverse("cases:report-detail", args=[city.pk])).content.decode()
    client.force_login(zhanyi_supervisor)
    county_html = client.get(reverse("cases:report-detail", args=[county.pk])).content.decode()

    assert 'id="no-own-investigators"' in city_html and 'name="investigators"' not in city_html
    assert 'id="no-own-investigators"' not in county_html
    assert f'name="investigators" value="{zhanyi_investigator.pk}"' in county_html


def test_no_finding_is_preselected_and_an_untouched_form_records_none(
    client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    from cases.models import Allegation

    from .cases_helpers import register, to_verification

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    allegation = report.allegations.order_by("id").first()
    client.force_login(zhanyi_investigator)
    page = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()
    select = re.search(rf'<select name="finding" id="finding-{allegation.pk}"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"[^>]*selected', select) in ([], [""])  # nothing, or the blank
    assert select.startswith('<option value=""')

    client.post(reverse("cases:report-action", args=[report.pk, "record-finding"]), {"allegation": allegation.pk})

    assert Allegation.objects.get(pk=allegation.pk).finding == ""

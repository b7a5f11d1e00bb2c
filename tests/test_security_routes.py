"""Every page and API route, walked for each kind of caller (issue 8: access control proven for every route).

The routes come from the URL configuration and the OpenAPI schema, so a new view is covered without anyone
remembering to add it: a route with an object in its URL that is not described in OBJECT_ROUTES below,
or one that answers an outsider with anything but 404, fails this test.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Report

from .api_helpers import PARAM, api_operations
from .demo_world import INSIDER, QUJING_PATH

pytestmark = pytest.mark.django_db

OUTSIDER = "kunming-supervisor"  # a sibling city: must learn nothing about Qujing's work

# Routes anybody may open, by URL name (with namespace).
PUBLIC = {
    "login",
    "logout",
    "healthz",
    "set_language",
    "api-token",
    "public:report",
    "public:report_qr",
    "public:receipt",
}
# Routes for any signed-in user that hold no object of a commission.
STAFF_WITHOUT_OBJECTS = {
    "api-me",
    "api-password-change",  # the caller's own password
    "clarification:batch-job-run",  # queues the monthly job; the service refuses all but city supervisors
    "stats:index",
    "stats:exports",
    "stats:export-start",
    "stats:list-export",
    "home",
    "profile",
    "two-factor",
    "password-change",
    "api-docs",
    "api-schema",
    "api-root",
    "account-tokens",
    "cases:report-list",
    "cases:report-create",
    "cases:subject-search",
    "cases:identity-requests",
    "cases:my-work",
    "public:intake_codes",
    "clarification:list",
    "clarification:create",
    "clarification:approvals",
    "clarification:return-visits",
    "clarification:batch-list",
    "clarification:false-case-list",
    "clarification:false-case-create",
    "accountability:case-list",
    "accountability:case-create",
    "accountability:catalogue",
    "inbox:list",
    "inbox:read-all",
}


# Arguments of staff routes that name no object (an export of the user's own list, say).
ROUTE_KWARGS = {"stats:list-export": {"kind": "reports", "fmt": "csv"}}


def staff_url(name):
    from django.urls import reverse

    return reverse(name, kwargs=ROUTE_KWARGS.get(name))


# URL name -> (object key for <pk>, extra kwargs, whether the view only answers POST)
OBJECT_ROUTES = {
    "cases:report-detail": ("report", {}, False),
    "cases:identity-reveal": ("report", {}, True),
    "cases:investigator-search": ("report", {}, False),
    "cases:report-action": ("report", {"action": "conclude"}, True),
    "cases:subject-detail": ("subject", {}, False),
    "cases:attachment-download": ("attachment", {}, False),
    "clarification:detail": ("recommendation", {}, False),
    "clarification:edit": ("recommendation", {}, False),
    "clarification:action": ("recommendation", {"action": "approve"}, True),
    "clarification:batch-detail": ("batch", {}, False),
    "clarification:batch-print": ("batch", {}, False),
    "clarification:batch-xlsx": ("batch", {}, False),
    "clarification:batch-action": ("batch", {"action": "execute-item"}, True),
    "clarification:false-case-detail": ("false_case", {}, False),
    "clarification:false-case-action": ("false_case", {"action": "close"}, True),
    "accountability:case-detail": ("accountability_case", {}, False),
    "accountability:case-step": ("accountability_case", {"step": "start-investigation"}, False),
    "accountability:case-step-on": ("accountability_case", {"step": "four-musts", "obj_id": "target"}, False),
    "accountability:subject-history": ("subject", {}, False),
    "stats:dashboard": ("commission", {}, False),
    "stats:items": ("commission", {}, False),
    "stats:statistics-export": ("commission", {"fmt": "csv"}, False),
    "stats:export-job": ("export_job", {}, False),
    "stats:export-download": ("export_job", {}, False),
    "account-token-revoke": ("api_token", {}, True),
    "inbox:open": ("notification", {}, False),
}
# Object routes that should not answer 200 to the insider on GET (they render a form only in some states).
INSIDER_MAY_REFUSE = {
    "clarification:edit",
    "accountability:case-step",
    "accountability:case-step-on",
    "stats:items",  # answers only with a figure's key
    "stats:export-download",  # redirects to the job page until the file is ready
    "inbox:open",  # marks the notification read and redirects to its object
}


def page_routes():
    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                if str(entry.pattern).startswith(("admin/", "api/")):
                    continue
                yield from walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", entry

    return dict(walk(get_resolver().url_patterns))


def url_for(name, world):
    from django.urls import reverse

    key, extra, post_only = OBJECT_ROUTES[name]
    kwargs = {("subject_pk" if name == "accountability:subject-history" else "pk"): world[key].pk}
    for arg, value in extra.items():
        kwargs[arg] = world[value].pk if value in world.objects else value
    return reverse(name, kwargs=kwargs), post_only


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_every_page_route_is_classified():
    unknown = [
        name
        for name, pattern in page_routes().items()
        if name not in PUBLIC and name not in STAFF_WITHOUT_OBJECTS and name not in OBJECT_ROUTES
    ]
    assert unknown == [], "classify these routes in tests/test_security_routes.py and prove their scoping"


def test_anonymous_is_sent_to_login_on_every_staff_page(client, world):

    failures = []
    for name in sorted(STAFF_WITHOUT_OBJECTS - {"api-root", "api-schema", "api-me", "api-password-change"}):
        response = client.get(staff_url(name))
        if response.status_code != 302 or "/login/" not in response["Location"]:
            failures.append((name, response.status_code))
    for name in OBJECT_ROUTES:
        url, post_only = url_for(name, world)
        response = client.post(url) if post_only else client.get(url)
        if response.status_code != 302 or "/login/" not in response["Location"]:
            failures.append((name, response.status_code))
    assert failures == []
    # The API answers an anonymous caller 401, never a login page.
    assert client.post(reverse("api-password-change"), {}, content_type="application/json").status_code == 401


def test_outsider_gets_404_on_every_object_page(client, world):
    login(client, OUTSIDER)
    failures = []
    for name in OBJECT_ROUTES:
        url, post_only = url_for(name, world)
        response = client.post(url) if post_only else client.get(url)
        if response.status_code != 404:
            failures.append((name, url, response.status_code))
    assert failures == []


def test_insider_reads_every_object_page(client, world):
    login(client, INSIDER)
    failures = []
    for name, (_key, _extra, post_only) in OBJECT_ROUTES.items():
        if post_only or name in INSIDER_MAY_REFUSE:
            continue
        url, _ = url_for(name, world)
        response = client.get(url)
        if response.status_code != 200:
            failures.append((name, url, response.status_code))
    assert failures == []


def test_staff_pages_answer_every_role_without_errors(client, world):

    for username in ["zhanyi-intake", "zhanyi-investigator", "zhanyi-reviewer", INSIDER, "qujing-admin"]:
        login(client, username)
        for name in sorted(STAFF_WITHOUT_OBJECTS - {"api-root"}):
            response = client.get(staff_url(name))
            assert response.status_code in (200, 302, 403, 404, 405), (username, name, response.status_code)


# --- API ---------------------------------------------------------------------------------------------

# Path prefix -> (object key, the user who may read it)
API_OBJECTS = {
    "/api/commissions/": ("commission", INSIDER),
    "/api/reports/": ("report", INSIDER),
    "/api/subjects/": ("subject", INSIDER),
    "/api/allegations/": ("allegation", INSIDER),
    "/api/identity-requests/": ("identity_request", "zhanyi-supervisor"),
    "/api/clarifications/": ("recommendation", INSIDER),
    "/api/clarification-batches/": ("batch", INSIDER),
    "/api/false-accusation-cases/": ("false_case", INSIDER),
    "/api/accountability/cases/": ("accountability_case", INSIDER),
    "/api/accountability/decisions/": ("decision", INSIDER),
    "/api/accountability/complaints/": ("complaint", INSIDER),
    "/api/accountability/subjects/": ("subject", INSIDER),
    "/api/stats/commissions/": ("commission", INSIDER),
    "/api/stats/exports/": ("export_job", INSIDER),
    "/api/tokens/": ("api_token", INSIDER),
    "/api/inbox/": ("notification", INSIDER),
}
# Province-wide reference data every commission of the province reads (not case work).
API_SHARED = {"/api/accountability/catalogue/"}


def api_object(path):
    for prefix, entry in API_OBJECTS.items():
        if path.startswith(prefix):
            return entry
    return None


def test_every_api_route_is_classified(world):
    unknown = sorted(
        {
            path
            for path, _method in api_operations()
            if PARAM.search(path) and api_object(path) is None and not path.startswith(tuple(API_SHARED))
        }
    )
    assert unknown == [], "classify these API routes in tests/test_security_routes.py"


def test_api_refuses_anonymous_callers(world):
    client = APIClient()
    failures = []
    for path, method in api_operations():
        if path.startswith(("/api/auth/token/", "/api/schema/")):
            continue
        concrete = PARAM.sub("1", path)
        response = getattr(client, method)(concrete, {}, format="json")
        if response.status_code != 401 or "WWW-Authenticate" not in response:
            failures.append((method, path, response.status_code))
    assert failures == []


def test_api_outsider_gets_404_for_every_object(world):
    client = APIClient()
    client.force_authenticate(User.objects.get(username=OUTSIDER))
    failures = []
    for path, method in api_operations():
        entry = api_object(path)
        if entry is None or not PARAM.search(path):
            continue
        concrete = PARAM.sub(str(world[entry[0]].pk), path)
        response = getattr(client, method)(concrete, {}, format="json")
        if response.status_code != 404:
            failures.append((method, path, response.status_code))
    assert failures == []


def test_api_insider_reads_every_object_and_no_action_errors(world):
    failures = []
    for path, method in api_operations():
        entry = api_object(path)
        if entry is None or not PARAM.search(path):
            continue
        client = APIClient()
        client.force_authenticate(User.objects.get(username=entry[1]))
        concrete = PARAM.sub(str(world[entry[0]].pk), path)
        response = getattr(client, method)(concrete, {}, format="json")
        if method == "get" and response.status_code != 200:
            failures.append((method, path, response.status_code))
        if response.status_code >= 500 or (method != "get" and response.status_code == 404):
            failures.append((method, path, response.status_code))
    assert failures == []


def test_api_city_supervisor_may_not_act_for_a_county(world):
    """In reach but not their role at that commission: 403, and nothing changes."""
    report = Report.objects.filter(
        commission__level=4, commission__path__startswith=QUJING_PATH, status="disposition_proposed"
    ).first()
    client = APIClient()
    client.force_authenticate(User.objects.get(username=INSIDER))
    response = client.post(f"/api/reports/{report.pk}/approve-disposition/", {}, format="json")
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "disposition_proposed"


def test_every_demo_user_sees_exactly_the_objects_the_action_panel_asks_them_to_act_on(world):
    """Issue 15's property over the demo data (conftest.py's `world`): an object is in a user's work list if
    and only if the action panel offers that user a transition that asks something of them."""
    from .test_work_list import assert_work_matches_the_panel

    users = list(User.objects.filter(is_active=True, memberships__isnull=False).distinct())
    assert assert_work_matches_the_panel(users) >= 5

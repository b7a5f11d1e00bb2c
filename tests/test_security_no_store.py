"""Issue 12, item 11: no case content stays in the browser cache of a shared office PC.

Every response to a signed-in user and every /api/ response carries Cache-Control: no-store (and Pragma:
no-cache), as do the public pages that show a receipt code or feedback; static files keep their caching.
The routes come from tests/test_security_routes.py, so a new page or API operation is covered by itself.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User

from . import test_public_intake as public
from .test_public_intake import lookup, receipt_of, submit
from .test_security_routes import (
    INSIDER,
    OBJECT_ROUTES,
    PARAM,
    STAFF_WITHOUT_OBJECTS,
    api_object,
    api_operations,
    staff_url,
    url_for,
)

# Fixtures of the module the public form comes from: its client with an address of its own and a fresh cache
# namespace. The demo data is conftest.py's `world`.
client = public.client
fresh_cache = public.fresh_cache

pytestmark = pytest.mark.django_db


def not_stored(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives and response.get("Pragma") == "no-cache"


def signed_in(username=INSIDER) -> Client:
    browser = Client()
    browser.force_login(User.objects.get(username=username))
    return browser


def test_every_staff_page_is_not_stored_by_the_browser(world):
    browser = signed_in()
    failures = []
    for name in sorted(STAFF_WITHOUT_OBJECTS - {"api-root", "api-me"}):
        response = browser.get(staff_url(name))
        if not not_stored(response):
            failures.append((name, response.status_code, response.get("Cache-Control")))
    for name in OBJECT_ROUTES:
        url, post_only = url_for(name, world)
        response = browser.post(url) if post_only else browser.get(url)
        if not not_stored(response):
            failures.append((name, response.status_code, response.get("Cache-Control")))
    assert failures == []


def test_a_file_download_and_an_error_page_are_not_stored_either(world):
    browser = signed_in()
    download = browser.get(url_for("cases:attachment-download", world)[0])
    assert download.status_code == 200 and not_stored(download)
    missing = browser.get("/reports/999999999/")
    assert missing.status_code == 404 and not_stored(missing)
    admin = signed_in("qujing-admin").get("/admin/")
    assert not_stored(admin)


def test_every_api_operation_is_not_stored(world):
    failures = []
    for path, method in api_operations():
        entry = api_object(path)
        caller = APIClient()
        caller.force_authenticate(User.objects.get(username=entry[1] if entry else INSIDER))
        concrete = PARAM.sub(str(world[entry[0]].pk), path) if entry else PARAM.sub("1", path)
        response = getattr(caller, method)(concrete, {}, format="json")
        if not not_stored(response):
            failures.append((method, path, response.status_code, response.get("Cache-Control")))
    assert failures == []


def test_api_answers_to_anonymous_callers_and_tokens_are_not_stored(world):
    anonymous = APIClient()
    assert not_stored(anonymous.get("/api/reports/"))
    token = anonymous.post(
        "/api/auth/token/", {"username": "zhanyi-intake", "password": "Demo@2026", "name": "script"}, format="json"
    )
    assert token.status_code == 201 and not_stored(token)


def test_public_receipt_and_feedback_pages_are_not_stored(client, tree):
    received = submit(client)
    code = receipt_of(received)
    assert not_stored(received)
    feedback = lookup(client, code)
    assert 'name="code"' in feedback.content.decode() or feedback.status_code == 200
    assert not_stored(feedback)
    assert not_stored(lookup(client, "00000000000000000000"))


def test_static_files_keep_their_caching(world, settings):
    settings.WHITENOISE_USE_FINDERS = True
    for browser in (Client(), signed_in()):
        response = browser.get("/static/css/app.css")
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
        assert "max-age" in response.get("Cache-Control", "")

"""Issue 16: every staff and public page, as people use them (Chromium at 1366 and 390 px, in Chinese and English),
checked by axe-core (the WCAG rules nobody here wrote) and for sideways scrolling on a phone.

The pages come from the URL configuration through tests/test_security_routes.py (a new view is walked without anyone
adding it here) over the demo world (conftest.py); the walk runs once and each test reads its findings. axe-core is
the npm package `make test` installs (package.json, node_modules/), injected into every page of the browser context.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .conftest import browser_login
from .test_security_routes import (
    INSIDER,
    OBJECT_ROUTES,
    STAFF_WITHOUT_OBJECTS,
    page_routes,
    staff_url,
    url_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ["zh-hans", "en"]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
SERIOUS = {"serious", "critical"}
# Who opens a staff page: the first of these it answers 200 to (the city supervisor reads most; the intake office
# alone registers a report; the administrator manages the catalogue and the QR codes).
STAFF = [INSIDER, "zhanyi-intake", "qujing-admin", "zhanyi-investigator"]
# Routes that answer with something other than a page: a file, JSON, a redirect or a state change on GET.
NOT_PAGES = {
    "logout",
    "healthz",
    "set_language",
    "api-token",
    "api-root",
    "api-schema",
    "api-me",
    "api-password-change",
    "public:report_qr",
    "stats:list-export",
    "stats:export-start",
    "stats:statistics-export",
    "stats:export-download",
    "stats:items",
    "cases:attachment-download",
    "cases:subject-search",
    "cases:investigator-search",
    "clarification:batch-xlsx",
    "clarification:batch-job-run",  # POST only
    "inbox:read-all",
    "inbox:open",
    "cases:my-work",  # the old address of the work list: redirects home
    "stats:index",  # redirects a user with one top commission to its dashboard (walked)
}
# Pages that render only in some states of their object (a step form, a draft's editor): walked when the demo's
# objects are in such a state for some user, not required.
STATEFUL = {
    "clarification:false-case-create",  # asks for an allegation suspected to be a false accusation
    "clarification:edit",
    "accountability:case-step",
    "accountability:case-step-on",
}

SCROLL_JS = "() => document.scrollingElement.scrollWidth - window.innerWidth"
AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    rule: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length,
  }));
}"""


def _pages(demo) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(public pages, staff pages) as (route name, URL)."""
    routes = page_routes()
    public = [
        ("login", reverse("login")),
        ("public:report", reverse("public:report", args=[demo["commission"].division_code])),
        ("public:receipt", reverse("public:receipt")),
    ]
    staff = [(name, staff_url(name)) for name in sorted(STAFF_WITHOUT_OBJECTS - NOT_PAGES)]
    for name, (_key, _extra, post_only) in sorted(OBJECT_ROUTES.items()):
        if not post_only and name not in NOT_PAGES:
            staff.append((name, url_for(name, demo)[0]))
    walked = {name for name, _ in public + staff}
    unclassified = set(routes) - walked - NOT_PAGES - {n for n, (_k, _e, post) in OBJECT_ROUTES.items() if post}
    assert unclassified == set(), "walk these pages in tests/test_accessibility_browser.py or say why not"
    return public, staff


def _context(browser, live_server, language, username=None):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(path=str(AXE))
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(20000)
    if username:
        browser_login(page, live_server, username)
    return page


def _check(page, findings, key):
    """axe at both widths and the phone's sideways scroll, on the page as loaded."""
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        violations = page.evaluate(AXE_JS)
        if violations:
            findings["axe"][(*key, width)] = violations
        if width == "phone":
            overflow = page.evaluate(SCROLL_JS)
            if overflow > 0:
                findings["scroll"][key] = overflow


def _walk(browser, live_server, demo) -> dict:
    public, staff = _pages(demo)
    findings = {"axe": {}, "scroll": {}, "missing": [], "walked": 0}
    base = live_server.url
    for language in LANGUAGES:
        anonymous = _context(browser, live_server, language)
        for name, url in public:
            response = anonymous.goto(base + url)
            assert response.status == 200, (name, response.status)
            _check(anonymous, findings, (name, language))
            findings["walked"] += 1
        anonymous.context.close()
        users = {username: _context(browser, live_server, language, username) for username in STAFF}
        for name, url in staff:
            for page in users.values():
                response = page.goto(base + url)
                if response.status == 200 and page.url.split("?")[0] == (base + url).split("?")[0]:
                    _check(page, findings, (name, language))
                    findings["walked"] += 1
                    break
            else:
                if name not in STATEFUL:
                    findings["missing"].append((name, language))
        for page in users.values():
            page.context.close()
    return findings


@pytest.fixture(scope="module")
def walk_cache():
    return {}


@pytest.fixture
def walked(walk_cache, browser, live_server, world):
    if not walk_cache:
        walk_cache.update(_walk(browser, live_server, world))
    assert walk_cache["missing"] == [], "no demo user could open these pages"
    assert walk_cache["walked"] >= 2 * 35  # every page in both languages
    return walk_cache


def test_axe_finds_no_serious_or_critical_violation_on_any_page(walked):
    assert walked["axe"] == {}


def test_no_page_scrolls_sideways_on_a_phone(walked):
    assert walked["scroll"] == {}

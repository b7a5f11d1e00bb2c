"""Public intake: online and scan-a-code reporting, the QR codes, and the receipt-code lookup (issue 3)."""

import base64
import hashlib
import json
import re
import time
import uuid
from html import unescape

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.choices import AttachmentKind, Channel, FeedbackMethod
from cases.models import Attachment, Report, Subject, Supplement
from cases.public_views import ATTEMPTS_PER_SUBMISSION
from core import challenge, ratelimit

from .conftest import browser_login

pytestmark = pytest.mark.django_db

CHALLENGE = re.compile(r'data-pow-challenge="([^"]+)"')
RECEIPT = re.compile(r'id="receipt-code">([\d ]+)<')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test starts on an empty cache namespace of its own.

    A fresh key prefix instead of FLUSHDB: parallel workers share the Redis database, and flushing it
    would reset another worker's rate-limit counters in the middle of its test.
    """
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    assert cache.get("anything") is None
    yield


@pytest.fixture
def client(client):
    client.defaults["REMOTE_ADDR"] = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    return client


def report_url(division_code="530303", place=None):
    url = reverse("public:report", args=[division_code])
    return f"{url}?place={place}" if place else url


def challenge_of(html: str) -> dict:
    return json.loads(unescape(CHALLENGE.search(html).group(1)))


def solve(html: str) -> dict:
    """What a reporter's browser sends: the page's proof of work, solved (here in Python)."""
    return {"altcha": challenge.solve(challenge_of(html))}


def subjects_data(*subjects) -> dict:
    data = {
        "subject-TOTAL_FORMS": str(max(len(subjects), 1)),
        "subject-INITIAL_FORMS": "0",
        "subject-MIN_NUM_FORMS": "0",
        "subject-MAX_NUM_FORMS": "10",
    }
    for i, (kind, name, unit, position) in enumerate(subjects):
        data.update(
            {
                f"subject-{i}-kind": kind,
                f"subject-{i}-name": name,
                f"subject-{i}-unit": unit,
                f"subject-{i}-position": position,
            }
        )
    return data


def submit(client, *, place=None, subjects=None, altcha=None, **fields):
    url = report_url(place=place)
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "summary": "区应急管理局救灾物资采购中串通投标、随意取消中标结果",
        "area": "procurement",
        "identity": "anonymous",
        **subjects_data(*(subjects or [("person", "李某", "沾益区应急管理局", "局长")])),
        **solve(page.content.decode()),
        **fields,
    }
    if altcha is not None:
        data["altcha"] = altcha
    return client.post(url, data)


def receipt_of(response) -> str:
    return RECEIPT.search(response.content.decode()).group(1)


def lookup(client, code, **extra):
    return client.post(reverse("public:receipt"), {"code": code, "intent": "lookup", **extra})


def without_csrf(response) -> str:
    return CSRF.sub("", response.content.decode())


# --- reporting ------------------------------------------------------------------------------------------


def test_anonymous_online_report_creates_report_and_subjects_and_shows_receipt_once(client, tree):
    response = submit(
        client,
        subjects=[("person", "李某", "沾益区应急管理局", "局长"), ("organisation", "沾益区应急管理局", "", "")],
    )

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.commission == tree["zhanyi"]
    assert report.channel == Channel.ONLINE
    assert report.created_by is None
    subjects = sorted(Subject.objects.values_list("name", "kind"))
    assert subjects == [("李某", "person"), ("沾益区应急管理局", "organisation")]
    assert report.reporter.is_anonymous
    code = receipt_of(response)
    assert re.fullmatch(r"\d{4}( \d{4}){4}", code)
    digits = code.replace(" ", "")
    assert report.reporter.receipt_hash != digits
    assert not AuditEvent.objects.filter(data__icontains=digits).exists()
    assert "no-store" in response["Cache-Control"]
    assert digits not in client.get(reverse("public:receipt")).content.decode().replace(" ", "")
    assert "id_text" in lookup(client, code).content.decode()  # the code opens the feedback page


def test_named_scan_code_report_keeps_place_and_identity(client, tree):
    response = submit(
        client,
        place="沾益区政务服务中心",
        identity="named",
        name="张举报",
        phone="13800000000",
        id_number="530303199001011239",
        address="沾益区某街道",
        relation="投标公司员工",
    )

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == Channel.SCAN_CODE
    assert report.place == "沾益区政务服务中心"
    assert not report.reporter.is_anonymous
    assert report.reporter.name == "张举报"
    assert receipt_of(response)


def test_named_report_without_a_name_is_refused(client, tree):
    response = submit(client, identity="named", name="")

    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "receipt-code" not in response.content.decode()


def refusal_of(response) -> str | None:
    """Which check refusal the page shows (core.challenge.Refusal), or None."""
    found = re.search(r'data-refusal="([a-z]+)"', response.content.decode())
    return found.group(1) if found else None


def payload(**changes) -> str:
    """A solved challenge as the browser sends it, with some of its fields changed."""
    solution = json.loads(base64.b64decode(challenge.solve(challenge.issue())))
    return challenge.encode({**solution, **changes})


@pytest.mark.parametrize(
    ("sent", "refusal"),
    [
        ("", "missing"),  # a browser without JavaScript, or a program posting the form
        ("not base64 json", "malformed"),
        (lambda: payload(number=-1), "forged"),  # a number that does not solve the challenge
        (lambda: payload(signature="0" * 64), "forged"),  # a challenge we did not sign
        (lambda: challenge.solve(challenge.issue(now=time.time() - 2 * challenge.max_age())), "expired"),
    ],
)
def test_an_unsolved_forged_or_expired_check_is_refused_and_writes_nothing(client, tree, sent, refusal):
    response = submit(client, altcha=sent() if callable(sent) else sent)

    assert response.status_code == 200
    assert refusal_of(response) == refusal
    assert "receipt-code" not in response.content.decode()
    assert not Report.objects.exists()
    assert not Subject.objects.exists()


def test_a_challenge_signed_with_another_key_is_refused(client, tree, settings):
    settings.SECRET_KEY = "another-installation"
    foreign = challenge.solve(challenge.issue())
    settings.SECRET_KEY = "back-to-ours-" + "x" * 40

    assert refusal_of(submit(client, altcha=foreign)) == "forged"
    assert not Report.objects.exists()


def test_a_solved_challenge_works_only_once(client, tree):
    page = client.get(report_url()).content.decode()
    data = {
        "summary": "反映问题",
        "area": "other",
        "identity": "anonymous",
        **subjects_data(("person", "李某", "", "")),
        **solve(page),
    }
    assert receipt_of(client.post(report_url(), data))
    again = client.post(report_url(), data)

    assert Report.objects.count() == 1
    assert refusal_of(again) == "used"
    assert "receipt-code" not in again.content.decode()


def test_a_refused_check_comes_back_with_a_new_challenge(client, tree):
    response = submit(client, altcha="")

    assert receipt_of(submit(client, altcha=solve(response.content.decode())["altcha"]))


def test_thirty_reports_from_one_address_with_solved_challenges_are_all_accepted(client, tree):
    """A QR poster in a service hall: everyone on the hall's Wi-Fi shares one address (issue 16)."""
    codes = {receipt_of(submit(client, summary=f"第{n}位群众反映的问题")) for n in range(30)}

    assert len(codes) == 30
    assert Report.objects.count() == 30
    assert client.get(report_url()).status_code == 200


@override_settings(PUBLIC_REPORTS_PER_HOUR=5)
def test_a_flood_without_solved_challenges_is_refused_then_cut_off(client, tree):
    for _ in range(5 * ATTEMPTS_PER_SUBMISSION):
        response = client.post(report_url(), {"summary": "x", "identity": "anonymous", **subjects_data()})
        assert response.status_code == 200
        assert refusal_of(response) == "missing"

    assert client.post(report_url(), {"summary": "x"}).status_code == 429
    assert not Report.objects.exists()


@override_settings(PUBLIC_REPORTS_PER_HOUR=1, CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_the_report_limit_counts_the_address_the_proxy_saw(client, tree):
    client.defaults.update(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.20")  # the proxy, and the client
    assert receipt_of(submit(client))
    assert client.get(report_url()).status_code == 429

    client.defaults["HTTP_X_REAL_IP"] = "203.0.113.21"  # another reporter behind the same proxy
    assert receipt_of(submit(client))


def test_public_limits_are_sized_for_a_busy_service_hall(settings):
    assert settings.PUBLIC_REPORTS_PER_HOUR >= 60
    assert settings.RECEIPT_LOOKUPS_PER_WINDOW >= 60


def test_disallowed_attachment_type_is_refused_and_writes_nothing(client, tree):
    response = submit(client, attachments=[SimpleUploadedFile("tool.exe", b"MZ\x90\x00binary")])

    assert response.status_code == 200
    assert "tool.exe" in response.content.decode()
    assert not Report.objects.exists()
    assert not Subject.objects.exists()
    assert not Attachment.objects.exists()


def test_attachment_whose_content_is_not_what_its_name_says_is_refused(client, tree):
    response = submit(client, attachments=[SimpleUploadedFile("scan.pdf", b"not a pdf at all")])

    assert "receipt-code" not in response.content.decode()
    assert not Report.objects.exists()


def test_allowed_attachment_is_stored_with_the_report(client, tree):
    response = submit(client, attachments=[SimpleUploadedFile("notes.txt", "投标记录".encode())])

    assert receipt_of(response)
    assert Attachment.objects.get().report == Report.objects.get()


def test_report_without_a_subject_is_refused(client, tree):
    response = submit(client, subjects=[("person", "", "", "")])

    assert "receipt-code" not in response.content.decode()
    assert not Report.objects.exists()


def test_unknown_division_code_is_404(client, tree):
    assert client.get(report_url("999999")).status_code == 404
    assert client.get(reverse("public:report_qr", args=["999999"])).status_code == 404


def test_public_pages_show_no_staff_navigation_even_to_staff(client, zhanyi_intake):
    client.force_login(zhanyi_intake)

    html = client.get(report_url()).content.decode()

    assert "mainnav" not in html
    assert reverse("public:intake_codes") not in html


@override_settings(PUBLIC_REPORTS_PER_HOUR=2)
def test_public_reports_are_rate_limited_per_address(client, tree):
    assert receipt_of(submit(client))
    assert receipt_of(submit(client))

    assert client.get(report_url()).status_code == 429
    refused = client.post(report_url(), {"summary": "x"})
    assert refused.status_code == 429
    assert Report.objects.count() == 2
    client.defaults["REMOTE_ADDR"] = "192.0.2.99"
    assert client.get(report_url()).status_code == 200


@override_settings(PUBLIC_REPORTS_PER_HOUR=1)
def test_failed_attempts_are_limited_too(client, tree):
    for _ in range(ATTEMPTS_PER_SUBMISSION):
        assert submit(client, altcha="").status_code == 200

    assert submit(client, altcha="").status_code == 429


# --- receipt lookup -------------------------------------------------------------------------------------


def test_missing_empty_and_wrong_codes_get_the_same_page(client, tree):
    receipt_of(submit(client))
    unknown = lookup(client, "1234 5678 9012 3456 7890")
    empty = lookup(client, "")
    malformed = lookup(client, "12-34")

    assert unknown.status_code == empty.status_code == malformed.status_code == 200
    assert without_csrf(unknown) == without_csrf(empty) == without_csrf(malformed)
    assert "id_text" not in unknown.content.decode()


def test_lookup_shows_the_feedback_text_and_nothing_else(client, tree, zhanyi_intake):
    code = receipt_of(submit(client))
    report = Report.objects.get()
    services.feedback_record(
        actor=zhanyi_intake,
        report=report,
        text="经核查，反映的问题已依规处理。",
        method=FeedbackMethod.ONLINE,
        given_on=timezone.localdate(),
    )

    html = lookup(client, code).content.decode()

    assert "经核查，反映的问题已依规处理。" in html
    assert timezone.localdate().isoformat() in html
    assert report.reference not in html
    assert "李某" not in html
    assert "串通投标" not in html
    assert report.get_status_display() not in html
    assert "mainnav" not in html


def test_lookup_with_a_valid_code_and_no_feedback_says_so(client, tree):
    code = receipt_of(submit(client))

    html = lookup(client, code.replace(" ", "")).content.decode()

    assert "id_text" in html
    assert "timeline" not in html


@override_settings(RECEIPT_LOOKUPS_PER_WINDOW=3)
def test_receipt_lookups_are_rate_limited_per_address(client, tree):
    for _ in range(3):
        assert lookup(client, "1234").status_code == 200

    refused = lookup(client, "1234")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"


def test_receipt_page_keeps_the_code_out_of_urls(client):
    html = client.get(reverse("public:receipt")).content.decode()

    assert 'method="post"' in html
    assert client.get(reverse("public:receipt"), {"code": "1234"}).content.decode().count("id_text") == 0


def test_supplement_lands_on_the_report_timeline(client, tree):
    code = receipt_of(submit(client))
    report = Report.objects.get()
    page = lookup(client, code).content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)

    response = client.post(
        reverse("public:receipt"),
        {
            "code": code,
            "intent": "supplement",
            "once": once,
            "text": "补充：中标公告被撤销的时间是三月五日。",
            "attachments": [SimpleUploadedFile("more.txt", "补充材料".encode())],
        },
    )

    assert response.status_code == 200
    supplement = Supplement.objects.get()
    assert supplement.report == report
    assert Attachment.objects.get(kind=AttachmentKind.SUPPLEMENT).report == report
    event = AuditEvent.objects.get(action="report.supplement")
    assert event.scope_ref == f"cases.report:{report.pk}"
    # sending the same form again adds nothing
    client.post(
        reverse("public:receipt"), {"code": code, "intent": "supplement", "once": once, "text": "补充：中标公告"}
    )
    assert Supplement.objects.count() == 1


def test_supplement_with_a_wrong_code_writes_nothing(client, tree):
    submit(client)

    response = client.post(
        reverse("public:receipt"),
        {"code": "1234 5678 9012 3456 7890", "intent": "supplement", "once": "x", "text": "补充"},
    )

    assert response.status_code == 200
    assert "id_text" not in response.content.decode()
    assert not Supplement.objects.exists()


def test_supplement_with_a_disallowed_file_writes_nothing(client, tree):
    code = receipt_of(submit(client))
    once = re.search(r'name="once" value="([^"]+)"', lookup(client, code).content.decode()).group(1)

    response = client.post(
        reverse("public:receipt"),
        {
            "code": code,
            "intent": "supplement",
            "once": once,
            "text": "补充",
            "attachments": [SimpleUploadedFile("x.exe", b"MZ")],
        },
    )

    assert "x.exe" in response.content.decode()
    assert not Supplement.objects.exists()
    assert not AuditEvent.objects.filter(action="report.supplement").exists()


# --- QR codes -------------------------------------------------------------------------------------------


def test_qr_svg_is_served_for_a_commission_and_a_place(client, tree):
    plain = client.get(reverse("public:report_qr", args=["530303"]))
    placed = client.get(reverse("public:report_qr", args=["530303"]), {"place": "沾益区政务服务中心"})

    assert plain.status_code == placed.status_code == 200
    assert plain["Content-Type"] == "image/svg+xml"
    assert "<svg" in plain.content.decode()
    assert plain.content != placed.content


def test_intake_codes_require_login(client, tree):
    response = client.get(reverse("public:intake_codes"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_intake_codes_refuse_a_user_without_intake_or_oversight_role(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)

    assert client.get(reverse("public:intake_codes")).status_code == 403


def test_intake_officer_sees_only_the_own_commission(client, zhanyi_intake):
    client.force_login(zhanyi_intake)

    html = client.get(reverse("public:intake_codes")).content.decode()

    assert "/public/report/530303/" in html
    assert "<svg" in html
    assert "/public/report/530302/" not in html
    assert "/public/report/530300/" not in html


def test_supervisor_sees_the_commissions_below_and_not_a_sibling_city(client, qujing_supervisor):
    client.force_login(qujing_supervisor)

    html = client.get(reverse("public:intake_codes")).content.decode()

    for code in ("530300", "530303", "530302"):
        assert f"/public/report/{code}/" in html
    assert "/public/report/530100/" not in html


def test_place_code_is_made_for_a_commission_in_reach(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)

    html = client.get(
        reverse("public:intake_codes"), {"commission": tree["zhanyi"].pk, "place": "沾益区政务服务中心"}
    ).content.decode()

    assert "place=%E6%B2%BE%E7%9B%8A" in html
    assert "qr-place" in html


def test_place_code_is_refused_for_a_commission_out_of_reach(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)

    html = client.get(
        reverse("public:intake_codes"), {"commission": tree["qilin"].pk, "place": "麒麟区政务服务中心"}
    ).content.decode()

    assert "qr-place" not in html
    assert "msg-error" in html


# --- the limiter and the challenge ------------------------------------------------------------------------


def test_rate_limiter_counts_per_scope_and_key(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.1")

    assert ratelimit.hit(request, "t", 2, 60)
    assert ratelimit.hit(request, "t", 2, 60)
    assert not ratelimit.hit(request, "t", 2, 60)
    assert ratelimit.hit(request, "other", 2, 60)
    assert ratelimit.hit(request, "t", 2, 60, key="someone-else")
    assert ratelimit.exceeded(request, "t", 2, 60)


def test_challenge_is_altcha_shaped_and_its_expiry_is_signed():
    issued = challenge.issue()
    fields = json.loads(issued.as_json())
    solution = json.loads(base64.b64decode(challenge.solve(issued)))

    assert set(fields) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert fields["algorithm"] == "SHA-256"
    assert hashlib.sha256(f"{fields['salt']}{solution['number']}".encode()).hexdigest() == fields["challenge"]
    # Moving the expiry changes the hash the signature covers: the result no longer verifies.
    later = fields["salt"].replace("expires=", "expires=9")
    rehashed = hashlib.sha256(f"{later}{solution['number']}".encode()).hexdigest()
    moved = {**solution, "salt": later, "challenge": rehashed}
    assert challenge.check(challenge.encode(moved)) == challenge.Refusal.FORGED
    assert challenge.check(challenge.solve(issued)) is None
    assert challenge.check(challenge.solve(issued)) == challenge.Refusal.USED


# --- in a real browser ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_anonymous_reporter_reads_the_feedback_in_a_real_browser(page, live_server, zhanyi_intake):
    page.goto(f"{live_server.url}{report_url()}")
    page.fill("#id_subject-0-name", "李某")
    page.fill("#id_subject-0-unit", "沾益区应急管理局")
    page.fill("#id_summary", "救灾物资采购中串通投标，随意取消中标结果。")
    page.select_option("#id_area", "procurement")
    page.click("button.primary.wide")  # at once: the form waits for the browser's proof of work
    code = page.inner_text("#receipt-code")
    assert re.fullmatch(r"\d{4}( \d{4}){4}", code)

    report = Report.objects.get()
    services.feedback_record(
        actor=zhanyi_intake,
        report=report,
        text="您反映的问题已转相关部门核查。",
        method=FeedbackMethod.ONLINE,
        given_on=timezone.localdate(),
    )

    page.click(f"a[href='{reverse('public:receipt')}'].button")
    page.fill("#id_code", code)
    page.click("button.primary.wide")
    page.wait_for_selector("text=您反映的问题已转相关部门核查。")
    assert report.reference not in page.content()

    browser_login(page, live_server, "zhanyi-intake")
    page.goto(f"{live_server.url}{reverse('public:intake_codes')}")
    assert page.locator(".qr-card svg").count() >= 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_solves_the_check_itself_and_the_server_accepts_it(page, live_server, tree):
    page.goto(f"{live_server.url}{report_url()}")
    page.wait_for_selector("[data-pow-state=done]")
    sent = page.input_value("input[name=altcha]")
    page.fill("#id_subject-0-name", "李某")
    page.fill("#id_summary", "救灾物资采购中串通投标。")
    page.select_option("#id_area", "procurement")
    page.click("button.primary.wide")

    assert re.fullmatch(r"\d{4}( \d{4}){4}", page.inner_text("#receipt-code"))
    assert challenge.check(sent) == challenge.Refusal.USED  # the browser's own solution was the one accepted


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_form_says_so_in_plain_words_and_sends_nothing(browser, live_server, tree):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{report_url()}")
        assert "JavaScript" in page.inner_text("fieldset.pow-check")
        page.fill("#id_subject-0-name", "李某")
        page.fill("#id_summary", "救灾物资采购中串通投标。")
        page.select_option("#id_area", "procurement")
        page.click("button.primary.wide")

        assert page.get_attribute("ul[data-refusal]", "data-refusal") == "missing"
        assert not Report.objects.exists()
    finally:
        context.close()

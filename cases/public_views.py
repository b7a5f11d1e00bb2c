"""The public pages (no login): online and scan-a-code reporting, the QR codes, the receipt-code lookup.

A receipt code is shown once and never stored, logged or put in a URL: every page that carries one is
the answer to a POST and is marked no-store (core.middleware.no_store).
"""

import secrets
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import Role
from core import challenge, ratelimit
from core.errors import DomainError
from core.middleware import no_store

from . import services
from .public_forms import PlaceCodeForm, PublicReportForm, SubjectFormSet, SupplementForm, clean_place, read_uploads
from .services import receipts
from .services.common import format_receipt

REPORT_WINDOW = 60 * 60
LOOKUP_WINDOW = 10 * 60
# The form field carrying the browser's proof of work (core/challenge.py), named as ALTCHA's widget names it.
CHALLENGE_FIELD = "altcha"
# Failed attempts (an unsolved check, a missing field) count too, more generously: a flood is cut off early.
ATTEMPTS_PER_SUBMISSION = 4
SUPPLEMENT_ONCE_WINDOW = 24 * 60 * 60
QR_ROLES = (Role.INTAKE, Role.SUPERVISOR, Role.ADMIN)
CODES_PER_PAGE = 12

SVG_NS = "http://www.w3.org/2000/svg"


def _reports_per_hour() -> int:
    return settings.PUBLIC_REPORTS_PER_HOUR


def _lookups_per_window() -> int:
    return settings.RECEIPT_LOOKUPS_PER_WINDOW


def _public_commission(division_code: str) -> Commission:
    """Every commission takes public reports; an unknown code is a 404."""
    commission = Commission.objects.filter(division_code=division_code).first()
    if commission is None:
        raise Http404
    return commission


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Public pages render as for an anonymous visitor: no staff navigation even when staff look at them."""
    context = {
        "user": AnonymousUser(),
        "nav_roles": set(),
        "nav_is_staff_of_cases": False,
        "nav_oversees": False,
        "nav_is_admin": False,
        **context,
    }
    return render(request, template, context, status=status)


def _too_many(request: HttpRequest, window: int) -> HttpResponse:
    response = _render(request, "cases/public/rate_limited.html", {"minutes": window // 60}, status=429)
    response["Retry-After"] = str(window)
    return response


def public_link(request: HttpRequest, commission: Commission, place: str = "") -> str:
    link = request.build_absolute_uri(reverse("public:report", args=[commission.division_code]))
    return f"{link}?{urlencode({'place': place})}" if place else link


def qr_svg(data: str, *, label: str = "", size: str | None = None) -> str:
    """An SVG QR code with a white background; `size` (e.g. "180") fixes width and height for inline use."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(data)
    code.make(fit=True)
    root = ET.fromstring(code.make_image().to_string(encoding="unicode"))
    if size:
        root.set("width", size)
        root.set("height", size)
    root.set("role", "img")
    if label:
        root.set("aria-label", label)
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]  # plain <svg>, as HTML expects it inline
        element.attrib.pop("id", None)  # many codes share one page: no duplicate ids
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")


@no_store
@sensitive_post_parameters("name", "phone", "id_number", "address")
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, division_code: str) -> HttpResponse:
    commission = _public_commission(division_code)
    place = clean_place(request.GET.get("place"))
    limit = _reports_per_hour()
    if ratelimit.exceeded(request, "public-report", limit, REPORT_WINDOW):
        return _too_many(request, REPORT_WINDOW)
    challenge_error, refusal = "", None
    if request.method == "POST":
        if not ratelimit.hit(request, "public-report-attempt", limit * ATTEMPTS_PER_SUBMISSION, REPORT_WINDOW):
            return _too_many(request, REPORT_WINDOW)
        browser = receipts.browser_of(request)
        token = _submission_token(request.POST)
        # The same form again (its challenge is spent by now): the report it registered, not a refusal.
        again = services.report_again(submission_token=token, browser=browser)
        if again is not None:
            return _received(request, commission, again)
        form = PublicReportForm(request.POST, request.FILES)
        subjects = SubjectFormSet(request.POST, prefix="subject")
        refusal = challenge.check(request.POST.get(CHALLENGE_FIELD))
        challenge_error = _challenge_error(refusal)
        if refusal is None and form.is_valid() and subjects.is_valid():
            try:
                registered = services.public_report_submit(
                    commission=commission,
                    summary=form.cleaned_data["summary"],
                    subjects=subjects.subjects(),
                    reporter=form.reporter(),
                    area=form.cleaned_data["area"],
                    uploads=read_uploads(form.cleaned_data["attachments"]),
                    place=place,
                    submission_token=token,
                    browser=browser,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                if registered.created:
                    ratelimit.hit(request, "public-report", limit, REPORT_WINDOW)
                return _received(request, commission, registered)
    else:
        form = PublicReportForm()
        subjects = SubjectFormSet(prefix="subject")
    return _render(
        request,
        "cases/public/report_form.html",
        {
            "commission": commission,
            "place": place,
            "form": form,
            "subjects": subjects,
            "more_subjects_open": any(f["name"].value() for f in subjects.forms[1:]),
            "challenge": challenge.issue(),
            "challenge_field": CHALLENGE_FIELD,
            "challenge_error": challenge_error,
            "challenge_refusal": refusal.value if request.method == "POST" and refusal else "",
        },
    )


def _challenge_error(refusal: challenge.Refusal | None) -> str:
    """The reporter's words for a refused check; the form comes back with a new challenge the browser solves again."""
    if refusal is None:
        return ""
    if refusal == challenge.Refusal.MISSING:
        return _(
            "Your browser did not complete the automatic check, which needs JavaScript. Turn JavaScript on and send "
            "again, or report by letter, by phone or in person."
        )
    if refusal == challenge.Refusal.EXPIRED:
        return _("The automatic check expired while the form was open. It has been done again: please send again.")
    if refusal == challenge.Refusal.USED:
        return _("This form was already sent once. Please send it again; your browser has done a new check.")
    return _("The automatic check failed. Please send again; your browser has done a new check.")


def _submission_token(data) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(data.get("submission_token") or ""))
    except ValueError:
        return None


def _received(request: HttpRequest, commission: Commission, registered) -> HttpResponse:
    """The answer to a report sent: its receipt code, or, for a form sent again whose code this browser has already
    been shown (or that another browser sent), only that the report was received."""
    return _render(
        request,
        "cases/public/report_received.html",
        {
            "commission": commission,
            "receipt": format_receipt(registered.receipt_code) if registered.receipt_code else None,
            "again": not registered.created,
            "received_on": registered.report.received_on,
        },
    )


@require_GET
def report_qr(request: HttpRequest, division_code: str) -> HttpResponse:
    """The QR code of a public reporting link: it encodes only that link, so it is public too."""
    commission = _public_commission(division_code)
    place = clean_place(request.GET.get("place"))
    svg = qr_svg(public_link(request, commission, place), label=place or commission.name, size="80mm")
    response = HttpResponse(f'<?xml version="1.0" encoding="UTF-8"?>\n{svg}', content_type="image/svg+xml")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="report-{commission.division_code}.svg"'
    return response


@no_store
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest) -> HttpResponse:
    """Look up the feedback with a receipt code, and add information; the code travels only in POST bodies."""
    if request.method == "GET":
        return _render(request, "cases/public/receipt_lookup.html", {})
    if not ratelimit.hit(request, "receipt", _lookups_per_window(), LOOKUP_WINDOW):
        return _too_many(request, LOOKUP_WINDOW)
    code = "".join(ch for ch in request.POST.get("code", "") if ch.isdigit())
    feedback = services.receipt_feedback(code)
    if feedback is None:
        return _render(request, "cases/public/receipt_lookup.html", {"not_found": True})
    form = SupplementForm()
    added = False
    if request.POST.get("intent") == "supplement":
        form = SupplementForm(request.POST, request.FILES)
        if form.is_valid():
            once = request.POST.get("once", "")
            if not once or not ratelimit.first_use("supplement", once, SUPPLEMENT_ONCE_WINDOW):
                form.add_error(None, _("This information was already sent."))
            else:
                try:
                    uploads = read_uploads(form.cleaned_data["attachments"])
                    services.supplement_add(code=code, text=form.cleaned_data["text"], uploads=uploads)
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    added, form = True, SupplementForm()
    return _render(
        request,
        "cases/public/receipt_feedback.html",
        {
            "code": code,
            "feedback": feedback,
            "form": form,
            "added": added,
            "once": secrets.token_urlsafe(16),
        },
    )


@login_required
@require_GET
def intake_codes(request: HttpRequest) -> HttpResponse:
    """Staff print the reporting links of the commissions in their reach, and make codes for named places."""
    commissions = jurisdiction.readable_commissions(request.user, roles=QR_ROLES).order_by("path")
    if not commissions.exists():
        raise PermissionDenied
    page = Paginator(commissions, CODES_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for commission in page:
        link = public_link(request, commission)
        rows.append({"commission": commission, "link": link, "svg": qr_svg(link, label=commission.name, size="160")})
    place_code = None
    form = PlaceCodeForm(request.GET if "place" in request.GET else None, commissions=commissions)
    if form.is_bound and form.is_valid():
        commission, place = form.cleaned_data["commission"], form.cleaned_data["place"]
        link = public_link(request, commission, place)
        place_code = {
            "commission": commission,
            "place": place,
            "link": link,
            "svg": qr_svg(link, label=place, size="200"),
            "download": reverse("public:report_qr", args=[commission.division_code])
            + "?"
            + urlencode({"place": place, "download": 1}),
        }
    return render(
        request, "cases/public/intake_codes.html", {"page": page, "rows": rows, "form": form, "place_code": place_code}
    )

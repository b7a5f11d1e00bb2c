"""Public intake: the online and scan-a-code reporting pages, and the receipt-code lookup."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Commission
from audit.services import audit_record
from core.errors import DomainError

from .. import workflow
from ..choices import AttachmentKind, Category, Channel, SubjectKind
from ..limits import check_summary
from ..models import Feedback, Report, Reporter, Supplement
from . import receipts
from .attachments import attachment_store, check_uploads
from .common import receipt_hash, require_text
from .reports import AllegationInput, Registered, ReporterInput, SubjectInput, Upload, create_report

MAX_PUBLIC_SUBJECTS = 10


def public_report_submit(
    *,
    commission: Commission,
    summary: str,
    subjects: list[SubjectInput],
    reporter: ReporterInput,
    area: str,
    category: str = Category.UNCLASSIFIED,
    uploads: list[Upload] = (),
    place: str = "",
    submission_token: uuid.UUID | None = None,
    browser: str = "",
) -> Registered:
    """A member of the public files a report; every public reporter gets a receipt code. A form sent twice registers
    one report and shows its code again, once, to the browser that sent it (see report_again)."""
    subjects = [s for s in subjects if (s.name or "").strip()]
    if not subjects:
        raise DomainError(_("Name at least one person or organisation you are reporting."), code="subjects")
    if len(subjects) > MAX_PUBLIC_SUBJECTS:
        raise DomainError(_("Name at most ten people or organisations."), code="subjects")
    require_text(summary, _("The description of the problem"))
    summary = check_summary(summary)
    for subject in subjects:
        subject.rank = ""
        subject.is_party_member = False
        if subject.kind not in SubjectKind.values:
            subject.kind = SubjectKind.PERSON
        subject.organisation_kind = "unit" if subject.kind == SubjectKind.ORGANISATION else ""
    allegations = [AllegationInput(text=summary, category=category, new_subject=s) for s in subjects]
    return create_report(
        actor=None,
        commission=commission,
        received_on=timezone.localdate(),
        channel=Channel.SCAN_CODE if place else Channel.ONLINE,
        area=area,
        summary=summary,
        allegations=allegations,
        reporter=reporter,
        uploads=uploads,
        place=place,
        with_receipt=True,
        submission_token=submission_token,
        browser=browser,
    )


def report_again(*, submission_token: uuid.UUID | None, browser: str) -> Registered | None:
    """The report a public form already registered, if this is that form sent again (its question is spent by then),
    with the receipt code for the browser that sent it, once; None for a form not sent before."""
    if submission_token is None:
        return None
    report = Report.objects.filter(submission_token=submission_token).first()
    if report is None:
        return None
    return Registered(report=report, created=False, receipt_code=receipts.take(token=submission_token, browser=browser))


def receipt_lookup(code: str) -> Report | None:
    """The report a receipt code belongs to, or None; a missing and a wrong code look the same."""
    digits = "".join(ch for ch in code or "" if ch.isdigit())
    hashed = receipt_hash(digits)
    reporter = Reporter.objects.select_related("report").filter(receipt_hash=hashed).first()
    if reporter is None or len(digits) != 20:
        return None
    return reporter.report


def receipt_feedback(code: str) -> list[tuple[datetime.date, str]] | None:
    report = receipt_lookup(code)
    if report is None:
        return None
    return list(Feedback.objects.filter(report=report).order_by("given_on", "id").values_list("given_on", "text"))


@transaction.atomic
def supplement_add(*, code: str, text: str, uploads: list[Upload] = ()) -> Supplement:
    report = receipt_lookup(code)
    if report is None:
        raise DomainError(_("No report matches that receipt code."), code="receipt")
    text = require_text(text, _("The supplementary information"))
    check_uploads(uploads)
    supplement = Supplement.objects.create(report=report, text=text)
    stored = [attachment_store(report=report, upload=upload, kind=AttachmentKind.SUPPLEMENT) for upload in uploads]
    audit_record(
        actor=None,
        action="report.supplement",
        target=supplement,
        commission=report.commission,
        scope=report,
        attachments=len(stored),
    )
    workflow.REPORTS.announce(report, actor=None, key=f"supplement:{supplement.pk}")
    return supplement

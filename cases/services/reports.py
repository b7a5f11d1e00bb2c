"""Writes on reports: registration, dispositions, verification, findings, conclusion, feedback, links."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import jurisdiction
from accounts.models import Commission, User
from accounts.roles import Role
from audit.services import audit_record
from core.crypto import keyed_hash
from core.errors import DomainError, full_clean_or_refuse

from .. import deadlines, workflow
from ..choices import (
    Category,
    Channel,
    DispositionDecision,
    DispositionKind,
    FalseGround,
    FeedbackMethod,
    Finding,
    Outcome,
    Status,
    SubjectKind,
)
from ..contact import check_id_number, check_phone
from ..limits import check_summary
from ..models import (
    Allegation,
    Assignment,
    Attachment,
    Disposition,
    Feedback,
    Recusal,
    Report,
    Reporter,
    ReportLink,
    Subject,
    Supplement,
    Transfer,
    Verification,
)
from ..search import tokens_for
from ..selectors import (
    forget_assignments,
    is_assigned,
    may_add_attachments,
    reports_visible_to,
    subjects_visible_to,
    subjects_without_clarification,
)
from . import receipts
from .attachments import Upload, attachment_store, check_uploads
from .common import new_receipt_code, next_reference, receipt_hash, refuse_future, require_role, require_text
from .repeats import likely_repeats


@dataclass
class SubjectInput:
    kind: str = SubjectKind.PERSON
    name: str = ""
    position: str = ""
    unit: str = ""
    rank: str = ""
    is_party_member: bool = False
    organisation_kind: str = ""


@dataclass
class AllegationInput:
    text: str
    category: str
    subject: Subject | None = None
    new_subject: SubjectInput | None = None


RELATION_MAX_LENGTH = 100  # the forms' limit; the encrypted column itself is unbounded


@dataclass
class ReporterInput:
    is_anonymous: bool = True
    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""
    relation: str = ""


@dataclass
class Registered:
    report: Report
    receipt_code: str | None = None
    created: bool = True
    uploads: list = field(default_factory=list)


def subject_create(*, commission: Commission, data: SubjectInput) -> Subject:
    subject = Subject(
        commission=commission,
        kind=data.kind,
        name=(data.name or "").strip(),
        position=(data.position or "").strip(),
        unit=(data.unit or "").strip(),
        rank=data.rank if data.kind == SubjectKind.PERSON else "",
        is_party_member=bool(data.is_party_member) if data.kind == SubjectKind.PERSON else False,
        organisation_kind=data.organisation_kind if data.kind == SubjectKind.ORGANISATION else "",
    )
    full_clean_or_refuse(subject)
    subject.save()
    return subject


def refresh_search_tokens(report: Report) -> None:
    texts = [report.summary, *report.allegations.values_list("text", flat=True)]
    texts += list(report.allegations.values_list("subject__name", flat=True))
    report.search_tokens = tokens_for(*texts)
    report.save(update_fields=["search_tokens"])


def _create_reporter(report: Report, data: ReporterInput, *, with_receipt: bool) -> str | None:
    if not data.is_anonymous and not (data.name or "").strip():
        raise DomainError(_("A named reporter needs a name; otherwise mark the report anonymous."), code="reporter")
    if len((data.relation or "").strip()) > RELATION_MAX_LENGTH:
        raise DomainError(
            _("The relation to the subject is limited to %(n)s characters.") % {"n": RELATION_MAX_LENGTH},
            code="reporter",
        )
    phone = "" if data.is_anonymous else check_phone(data.phone)
    id_number = "" if data.is_anonymous else check_id_number(data.id_number)
    receipt = new_receipt_code() if with_receipt else None
    Reporter.objects.create(
        report=report,
        is_anonymous=data.is_anonymous,
        name="" if data.is_anonymous else data.name.strip(),
        phone=phone,
        id_number=id_number,
        address="" if data.is_anonymous else (data.address or "").strip(),
        relation=(data.relation or "").strip(),
        identity_hash=keyed_hash(id_number or phone, purpose="reporter") if id_number or phone else "",
        receipt_hash=receipt_hash(receipt) if receipt else None,
    )
    return receipt


def create_report(
    *,
    actor: User | None,
    commission: Commission,
    received_on: datetime.date,
    channel: str,
    area: str,
    summary: str,
    allegations: list[AllegationInput],
    reporter: ReporterInput,
    uploads: list[Upload] = (),
    place: str = "",
    submission_token: uuid.UUID | None = None,
    with_receipt: bool,
    browser: str = "",
) -> Registered:
    """Shared by staff registration and public intake; callers check who may register.

    Idempotent by `submission_token`: a form sent twice registers one report, and the second answer carries the
    receipt code again, once, if `browser` (receipts.browser_of) is the one that sent the first."""
    summary = check_summary(summary)
    refuse_future(received_on, _("The date received"))
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), code="channel")
    if not allegations:
        raise DomainError(_("A report needs at least one allegation."), code="allegations")
    check_uploads(uploads)
    if submission_token is not None:
        existing = Report.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            return _again(existing, submission_token, browser)
    visible_subjects = subjects_visible_to(actor) if actor else Subject.objects.none()
    try:
        with transaction.atomic():
            report = Report(
                reference=next_reference(commission, received_on.year),
                commission=commission,
                received_on=received_on,
                channel=channel,
                area=area,
                summary=summary,
                place=place,
                created_by=actor,
                submission_token=submission_token,
                due_on=deadlines.due_after(Status.REGISTERED),
            )
            full_clean_or_refuse(report, exclude=["reference", "submission_token"])
            report.save()
            for item in allegations:
                text = require_text(item.text, _("The allegation"))
                if item.category not in Category.values:
                    raise DomainError(_("Unknown discipline category."), code="category")
                if item.subject is not None:
                    if not visible_subjects.filter(pk=item.subject.pk).exists():
                        raise DomainError(_("That subject is not in your registry."), code="subject")
                    subject = item.subject
                elif item.new_subject is not None and (item.new_subject.name or "").strip():
                    subject = subject_create(commission=commission, data=item.new_subject)
                else:
                    raise DomainError(_("Every allegation needs a subject."), code="subject")
                Allegation.objects.create(report=report, subject=subject, category=item.category, text=text)
            receipt = _create_reporter(report, reporter, with_receipt=with_receipt)
            # Kept before the commit: a concurrent second submission waits on the token's unique index, then
            # finds the code.
            receipts.keep(token=submission_token, code=receipt, browser=browser)
            stored = [attachment_store(report=report, upload=upload, uploaded_by=actor) for upload in uploads]
            refresh_search_tokens(report)
            audit_record(
                actor=actor,
                action="report.register",
                target=report,
                commission=commission,
                scope=report,
                reference=report.reference,
                channel=channel,
                allegations=len(allegations),
                attachments=len(stored),
            )
            workflow.REPORTS.announce(report, actor=actor, key="registered")
    except IntegrityError:
        if submission_token is not None:
            existing = Report.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                return _again(existing, submission_token, browser)
        raise
    return Registered(report=report, receipt_code=receipt, uploads=stored)


def _again(report: Report, submission_token: uuid.UUID, browser: str) -> Registered:
    """The report a repeated form registered, with its receipt code for the browser that sent it (once)."""
    return Registered(report=report, created=False, receipt_code=receipts.take(token=submission_token, browser=browser))


def report_register(
    *,
    actor: User,
    commission: Commission,
    received_on: datetime.date,
    channel: str,
    area: str,
    summary: str,
    allegations: list[AllegationInput],
    reporter: ReporterInput,
    uploads: list[Upload] = (),
    submission_token: uuid.UUID | None = None,
    browser: str = "",
    repeat_of: Report | None = None,
    check_repeats: bool = True,
) -> Registered:
    """An intake officer registers a report; an anonymous reporter gets a receipt code.

    A likely repeat of a report registered in the last 30 days is refused (code possible_repeat, naming the earlier
    reports) unless `repeat_of` confirms it: then it is saved and linked to that report as a repeat. Seeding code
    that registers made-up reports in bulk passes check_repeats=False."""
    if not jurisdiction.has_role(actor, commission, Role.INTAKE):
        raise DomainError(_("Only an intake officer of the commission may register reports."), code="forbidden")
    if repeat_of is not None and not reports_visible_to(actor).filter(pk=repeat_of.pk).exists():
        raise DomainError(_("That report was not found."), code="not_found")
    sent_before = submission_token is not None and Report.objects.filter(submission_token=submission_token).exists()
    if check_repeats and repeat_of is None and not sent_before:
        _refuse_likely_repeat(actor=actor, commission=commission, summary=summary, allegations=allegations)
    with transaction.atomic():  # a confirmed repeat is saved with its link, or not at all
        registered = create_report(
            actor=actor,
            commission=commission,
            received_on=received_on,
            channel=channel,
            area=area,
            summary=summary,
            allegations=allegations,
            reporter=reporter,
            uploads=uploads,
            submission_token=submission_token,
            with_receipt=reporter.is_anonymous,
            browser=browser,
        )
        if repeat_of is not None and registered.created:
            report_link(actor=actor, report=registered.report, earlier=repeat_of, note=_("Registered as a repeat"))
    return registered


def _refuse_likely_repeat(*, actor: User, commission: Commission, summary: str, allegations) -> None:
    repeats = likely_repeats(
        actor=actor,
        commission=commission,
        summary=summary,
        subject_ids={item.subject.pk for item in allegations if item.subject is not None},
        subject_names={
            item.new_subject.name.strip()
            for item in allegations
            if item.subject is None and item.new_subject is not None and (item.new_subject.name or "").strip()
        },
    )
    if repeats:
        raise DomainError(
            _(
                "This looks like a repeat of %(references)s, registered in the last 30 days about the same subject "
                "with a similar summary. Open it to check; if this is a new report on the same matter, save it as a "
                "repeat linked to it."
            )
            % {"references": "、".join(r.reference for r in repeats)},
            code="possible_repeat",
            details={
                "repeats": [
                    {
                        "id": r.pk,
                        "reference": r.reference,
                        "received_on": r.received_on.isoformat(),
                        "summary": r.summary[:200],
                    }
                    for r in repeats
                ]
            },
        )


@transaction.atomic
def disposition_propose(
    *,
    actor: User,
    report: Report,
    kind: str,
    reasons: str,
    transfer_to: Commission | None = None,
    transfer_organ: str = "",
) -> Disposition:
    if kind not in DispositionKind.values:
        raise DomainError(_("Unknown disposition."), code="kind")
    reasons = require_text(reasons, _("The reasons"))
    transfer_organ = (transfer_organ or "").strip()
    if kind == DispositionKind.TRANSFER:
        if bool(transfer_to) == bool(transfer_organ):
            raise DomainError(
                _("A transfer names either a receiving commission or an outside organ, not both."), code="transfer"
            )
        if transfer_to is not None and transfer_to.pk == report.commission_id:
            raise DomainError(_("A report cannot be transferred to its own commission."), code="transfer")
    elif transfer_to or transfer_organ:
        raise DomainError(_("Only a transfer names a receiving commission or organ."), code="transfer")
    workflow.check_transition(report=report, actor=actor, name="propose_disposition")
    check_classified(report)
    workflow.apply_transition(report=report, actor=actor, name="propose_disposition", kind=kind)
    disposition = Disposition.objects.create(
        report=report,
        kind=kind,
        reasons=reasons,
        transfer_to=transfer_to,
        transfer_organ=transfer_organ,
        proposed_by=actor,
        from_commission=report.commission,
    )
    return disposition


def check_classified(report: Report) -> None:
    """A disposition rests on what each allegation is about: none may still be waiting for its category."""
    waiting = report.allegations.filter(category=Category.UNCLASSIFIED).count()
    if waiting:
        raise DomainError(
            ngettext(
                "Classify every allegation before proposing a disposition: %(n)s allegation is still to be classified.",
                "Classify every allegation before proposing a disposition: %(n)s allegations are still to be "
                "classified.",
                waiting,
            )
            % {"n": waiting},
            code="unclassified",
        )


def _pending_disposition(report: Report) -> Disposition:
    disposition = report.dispositions.filter(decision=DispositionDecision.PENDING).first()
    if disposition is None:
        raise DomainError(_("There is no disposition waiting for a decision."), code="wrong_state")
    return disposition


_APPROVED_TARGET = {
    DispositionKind.TALK_LETTER: Status.DISPOSITION_APPROVED,
    DispositionKind.PRELIMINARY: Status.DISPOSITION_APPROVED,
    DispositionKind.HOLD: Status.HELD,
    DispositionKind.CLOSE: Status.CLOSED_EARLY,
}


@transaction.atomic
def disposition_approve(*, actor: User, report: Report, reason: str = "") -> Report:
    """A supervisor approves; a transfer to another commission moves the report there, history kept."""
    locked = workflow.lock(report)
    workflow.check_transition(report=locked, actor=actor, name="approve_disposition")
    disposition = _pending_disposition(locked)
    if disposition.kind == DispositionKind.TRANSFER:
        target = Status.REGISTERED if disposition.transfer_to_id else Status.TRANSFERRED
    else:
        target = _APPROVED_TARGET[disposition.kind]
    due_stage = disposition.kind if target == Status.DISPOSITION_APPROVED else target
    disposition.decision = DispositionDecision.APPROVED
    disposition.decided_by = actor
    disposition.decided_at = timezone.now()
    disposition.decision_reason = (reason or "").strip()
    disposition.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
    updated = workflow.apply_transition(
        report=locked,
        actor=actor,
        name="approve_disposition",
        target=target,
        kind=disposition.kind,
        due_on=deadlines.due_after(due_stage),
    )
    if disposition.kind == DispositionKind.TRANSFER:
        _transfer(updated, disposition, actor)
    report.refresh_from_db()
    return report


def _transfer(report: Report, disposition: Disposition, actor: User) -> None:
    old_reference = report.reference
    Transfer.objects.create(
        report=report,
        from_commission=disposition.from_commission,
        to_commission=disposition.transfer_to,
        to_organ=disposition.transfer_organ,
        from_reference=old_reference,
        disposition=disposition,
    )
    if disposition.transfer_to_id:
        report.commission = disposition.transfer_to
        report.reference = next_reference(disposition.transfer_to, report.received_on.year)
        report.save(update_fields=["commission", "reference", "updated_at"])
    audit_record(
        actor=actor,
        action="report.transfer",
        target=report,
        commission=disposition.from_commission,
        scope=report,
        to_commission=disposition.transfer_to_id,
        to_organ=disposition.transfer_organ,
        from_reference=old_reference,
        reference=report.reference,
    )


@transaction.atomic
def disposition_reject(*, actor: User, report: Report, reason: str) -> Report:
    reason = require_text(reason, _("The reason"))
    locked = workflow.lock(report)
    workflow.check_transition(report=locked, actor=actor, name="reject_disposition")
    disposition = _pending_disposition(locked)
    disposition.decision = DispositionDecision.REJECTED
    disposition.decided_by = actor
    disposition.decided_at = timezone.now()
    disposition.decision_reason = reason
    disposition.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
    workflow.apply_transition(report=locked, actor=actor, name="reject_disposition", reason=reason)
    report.refresh_from_db()
    return report


def _check_investigator(user: User) -> None:
    if not user.is_active or Role.INVESTIGATOR not in jurisdiction.roles_of(user):
        raise DomainError(
            _("%(user)s does not hold the investigator role and cannot be assigned.") % {"user": user},
            code="not_investigator",
        )


def _assign(report: Report, investigator: User, actor: User) -> Assignment:
    _check_investigator(investigator)
    if Recusal.objects.filter(report=report, user=investigator).exists():
        raise DomainError(
            _("%(user)s has recused themselves from this report.") % {"user": investigator}, code="recused"
        )
    if Assignment.objects.filter(report=report, user=investigator, active=True).exists():
        raise DomainError(_("%(user)s is already assigned.") % {"user": investigator}, code="duplicate")
    assignment = Assignment.objects.create(report=report, user=investigator, assigned_by=actor)
    forget_assignments(investigator)
    audit_record(
        actor=actor,
        action="report.assign",
        target=report,
        commission=report.commission,
        scope=report,
        investigator=investigator.pk,
        investigator_name=str(investigator),
    )
    workflow.REPORTS.announce(report, actor=actor, key=f"assignment:{assignment.pk}")
    return assignment


@transaction.atomic
def verification_start(
    *, actor: User, report: Report, investigators: list[User], due_on: datetime.date | None = None, notes: str = ""
) -> Verification:
    """A supervisor assigns investigators (from any commission) and the verification begins."""
    if not investigators:
        raise DomainError(_("Assign at least one investigator."), code="investigators")
    locked = workflow.lock(report)
    workflow.check_transition(report=locked, actor=actor, name="start_verification")
    if due_on is not None and due_on < timezone.localdate():
        raise DomainError(_("The due date cannot be in the past."), code="due_on")
    approved = locked.dispositions.filter(decision=DispositionDecision.APPROVED).last()
    due = due_on or deadlines.due_after(approved.kind if approved else DispositionKind.PRELIMINARY)
    for investigator in dict.fromkeys(investigators):
        _assign(locked, investigator, actor)
    verification = Verification.objects.create(report=locked, due_on=due, notes=(notes or "").strip())
    workflow.apply_transition(report=locked, actor=actor, name="start_verification", due_on=due)
    report.refresh_from_db()
    return verification


@transaction.atomic
def assignment_add(*, actor: User, report: Report, investigator: User) -> Assignment:
    require_role(actor, report, Role.SUPERVISOR)
    if report.status not in (Status.DISPOSITION_APPROVED, Status.UNDER_VERIFICATION):
        raise DomainError(_("Investigators are assigned while the report is being verified."), code="wrong_state")
    return _assign(report, investigator, actor)


@transaction.atomic
def assignment_end(*, actor: User, report: Report, investigator: User) -> None:
    require_role(actor, report, Role.SUPERVISOR)
    assignment = Assignment.objects.filter(report=report, user=investigator, active=True).first()
    if assignment is None:
        raise DomainError(_("%(user)s is not assigned.") % {"user": investigator}, code="not_assigned")
    assignment.active = False
    assignment.save(update_fields=["active"])
    forget_assignments(investigator)
    audit_record(
        actor=actor,
        action="report.unassign",
        target=report,
        commission=report.commission,
        scope=report,
        investigator=investigator.pk,
    )


@transaction.atomic
def finding_record(
    *,
    actor: User,
    report: Report,
    allegation: Allegation,
    finding: str,
    notes: str = "",
    suspected_false: bool = False,
    false_grounds: str = "",
    false_grounds_notes: str = "",
) -> Allegation:
    """An assigned investigator records the finding on one allegation of the report under verification."""
    locked = workflow.lock(report)
    if allegation.report_id != locked.pk:
        raise DomainError(_("That allegation belongs to another report."), code="other_report")
    workflow.check_transition(report=locked, actor=actor, name="record_finding")
    if finding not in Finding.values:
        raise DomainError(_("Unknown finding."), code="finding")
    if suspected_false:
        if finding != Finding.UNSUBSTANTIATED:
            raise DomainError(
                _("Only an unsubstantiated allegation can be flagged as a suspected false accusation."),
                code="false_flag",
            )
        if false_grounds not in FalseGround.values:
            raise DomainError(_("State the grounds for suspecting a false accusation."), code="false_grounds")
    allegation = Allegation.objects.select_for_update().get(pk=allegation.pk)
    allegation.finding = finding
    allegation.finding_notes = (notes or "").strip()
    allegation.finding_by = actor
    allegation.finding_at = timezone.now()
    allegation.suspected_false = bool(suspected_false)
    allegation.false_grounds = false_grounds if suspected_false else ""
    allegation.false_grounds_notes = (false_grounds_notes or "").strip() if suspected_false else ""
    allegation.save()
    audit_record(
        actor=actor,
        action="allegation.finding",
        target=allegation,
        commission=locked.commission,
        scope=locked,
        finding=finding,
        suspected_false=suspected_false or None,
    )
    workflow.REPORTS.announce(locked, actor=actor, key=f"finding:{allegation.pk}")
    return allegation


@transaction.atomic
def supplements_mark_read(*, actor: User, report: Report) -> int:
    """The intake office (or an assigned investigator) has read what the reporter added; returns how many."""
    locked = workflow.lock(report)
    workflow.check_transition(report=locked, actor=actor, name="read_supplements")
    unread = list(Supplement.objects.select_for_update().filter(report=locked, read_at__isnull=True))
    if not unread:
        raise DomainError(_("Nothing the reporter added waits to be read."), code="nothing_unread")
    Supplement.objects.filter(pk__in=[s.pk for s in unread]).update(read_at=timezone.now(), read_by=actor)
    audit_record(
        actor=actor,
        action="report.supplements_read",
        target=locked,
        commission=locked.commission,
        scope=locked,
        supplements=[s.pk for s in unread],
    )
    return len(unread)


@transaction.atomic
def verification_notes_update(*, actor: User, report: Report, notes: str) -> Verification:
    if not is_assigned(actor, report) or report.status != Status.UNDER_VERIFICATION:
        raise DomainError(_("Only an assigned investigator may edit the verification notes."), code="forbidden")
    verification = report.verification
    verification.notes = (notes or "").strip()
    verification.save(update_fields=["notes"])
    return verification


def outcome_of(findings: list[str]) -> str:
    if any(f in (Finding.SUBSTANTIATED, Finding.PARTLY) for f in findings):
        return Outcome.ACCOUNTABILITY
    if any(f == Finding.UNSUBSTANTIATED for f in findings):
        return Outcome.CLARIFICATION
    return Outcome.CLOSE


@transaction.atomic
def verification_conclude(*, actor: User, report: Report) -> Report:
    """A supervisor approves the conclusion once every allegation has a finding."""
    locked = workflow.lock(report)
    workflow.check_transition(report=locked, actor=actor, name="conclude")
    findings = list(locked.allegations.values_list("finding", flat=True))
    outcome = outcome_of(findings)
    Verification.objects.filter(report=locked).update(concluded_at=timezone.now(), concluded_by=actor)
    workflow.apply_transition(report=locked, actor=actor, name="conclude", outcome=outcome)
    report.refresh_from_db()
    return report


@transaction.atomic
def report_close(*, actor: User, report: Report, reason: str = "") -> Report:
    """A supervisor closes a concluded report. Where allegations were found untrue and no clarification is decided
    for their subject, closing needs the reason no clarification is needed; a clarification stays possible after."""
    locked = workflow.lock(report)
    workflow.check_transition(report=locked, actor=actor, name="close")
    reason = (reason or "").strip()
    waiting = subjects_without_clarification(locked)
    if waiting and not reason:
        raise DomainError(
            _(
                "Allegations about %(names)s were found untrue and no clarification has been decided. Recommend a "
                "clarification first, or give the reason no clarification is needed."
            )
            % {"names": "、".join(s.name for s in waiting)},
            code="clarification_undecided",
        )
    workflow.apply_transition(
        report=locked,
        actor=actor,
        name="close",
        reason=reason or None,
        without_clarification=[s.name for s in waiting] or None,
    )
    report.refresh_from_db()
    return report


@transaction.atomic
def report_resume(*, actor: User, report: Report, reason: str = "") -> Report:
    workflow.apply_transition(report=report, actor=actor, name="resume", reason=(reason or "").strip() or None)
    return report


@transaction.atomic
def feedback_record(*, actor: User, report: Report, text: str, method: str, given_on: datetime.date) -> Feedback:
    """Intake officers (or a supervisor) of the handling commission record what the reporter was told."""
    require_role(actor, report, Role.INTAKE, Role.SUPERVISOR)
    text = require_text(text, _("The feedback"))
    if method not in FeedbackMethod.values:
        raise DomainError(_("Unknown feedback method."), code="method")
    refuse_future(given_on, _("The feedback date"))
    feedback = Feedback.objects.create(report=report, text=text, method=method, given_on=given_on, given_by=actor)
    audit_record(
        actor=actor,
        action="report.feedback",
        target=feedback,
        commission=report.commission,
        scope=report,
        method=method,
    )
    return feedback


@transaction.atomic
def _check_recusal_authority(actor: User, report: Report, recused: User) -> None:
    """Someone else's conflict is recorded by a supervisor of a commission the recused user is a member of, on
    the report's line of command (the handling commission or one above it). A superior's conflict is recorded
    at the superior's own level: nobody below can take a report out of a superior's reach."""
    line = set(report.commission.ancestor_codes())
    recorded_at = {
        m.commission_id
        for m in jurisdiction.memberships_of(actor)
        if m.role == Role.SUPERVISOR and m.commission.division_code in line
    } & {m.commission_id for m in jurisdiction.memberships_of(recused)}
    if jurisdiction.oversees_from_above(recused, report.commission_id) and not recorded_at - {report.commission_id}:
        raise DomainError(
            _(
                "%(user)s oversees this report from a superior commission: only they or a supervisor of their own "
                "commission can record their conflict of interest."
            )
            % {"user": recused},
            code="wrong_authority",
        )
    if not recorded_at:
        raise DomainError(
            _("You can record a recusal only for a member of a commission where you are a supervisor."),
            code="forbidden",
        )


def recusal_declare(*, actor: User, report: Report, reason: str, user: User | None = None) -> Recusal:
    """A user declares a conflict of interest, or a supervisor records one for a member of their commission. The
    user loses the report, unless they oversee it from a superior commission: then it stays in their oversight
    and the conflict bars their decisions on it (selectors.recusals_removing_reach, selectors.is_recused)."""
    reason = require_text(reason, _("The conflict of interest"))
    recused = user or actor
    if recused != actor:
        _check_recusal_authority(actor, report, recused)
    if Recusal.objects.filter(report=report, user=recused).exists():
        raise DomainError(_("This recusal is already recorded."), code="duplicate")
    recusal = Recusal.objects.create(report=report, user=recused, reason=reason, recorded_by=actor)
    Assignment.objects.filter(report=report, user=recused, active=True).update(active=False)
    forget_assignments(recused)
    audit_record(
        actor=actor,
        action="report.recusal",
        target=recusal,
        commission=report.commission,
        scope=report,
        user=recused.pk,
        user_name=str(recused),
        keeps_reach=jurisdiction.oversees_from_above(recused, report.commission_id),
    )
    return recusal


@transaction.atomic
def report_link(*, actor: User, report: Report, earlier: Report, note: str = "") -> ReportLink:
    """Link a report to an earlier one about the same subjects; both must be within the actor's reach."""
    if earlier.pk == report.pk:
        raise DomainError(_("A report cannot be linked to itself."), code="self_link")
    visible = reports_visible_to(actor)
    if not visible.filter(pk=report.pk).exists() or not visible.filter(pk=earlier.pk).exists():
        raise DomainError(_("That report was not found."), code="not_found")
    if not jurisdiction.roles_at(actor, report.commission_id) and not is_assigned(actor, report):
        raise DomainError(_("You may not do this on this report."), code="forbidden")
    if (
        ReportLink.objects.filter(report=report, earlier=earlier).exists()
        or ReportLink.objects.filter(report=earlier, earlier=report).exists()
    ):
        raise DomainError(_("These reports are already linked."), code="duplicate")
    link = ReportLink.objects.create(report=report, earlier=earlier, note=(note or "").strip(), created_by=actor)
    audit_record(
        actor=actor,
        action="report.link",
        target=report,
        commission=report.commission,
        scope=report,
        earlier=earlier.pk,
        earlier_reference=earlier.reference,
    )
    return link


def attachment_open(*, actor: User, attachment: Attachment):
    """The stored file for a user who may read the attachment (the caller found it in their reach), with the
    download recorded: every opened file is an audit event."""
    audit_record(
        actor=actor,
        action="attachment.download",
        target=attachment,
        commission=attachment.report.commission,
        scope=attachment.report,
        name=attachment.original_name,
    )
    return attachment.file.open("rb")


@transaction.atomic
def attachments_add(*, actor: User, report: Report, uploads: list[Upload]) -> list[Attachment]:
    """Add files to a report: all of them, or none when one is refused."""
    if not may_add_attachments(actor, report):
        raise DomainError(_("You may not add files to this report."), code="forbidden")
    if report.status in (Status.CLOSED, Status.CLOSED_EARLY, Status.TRANSFERRED):
        raise DomainError(_("This report is closed."), code="wrong_state")
    check_uploads(uploads)
    stored = []
    for upload in uploads:
        attachment = attachment_store(report=report, upload=upload, uploaded_by=actor)
        audit_record(
            actor=actor,
            action="report.attachment",
            target=attachment,
            commission=report.commission,
            scope=report,
            name=attachment.original_name,
            size=attachment.size,
        )
        stored.append(attachment)
    return stored


def attachment_add(*, actor: User, report: Report, upload: Upload) -> Attachment:
    return attachments_add(actor=actor, report=report, uploads=[upload])[0]

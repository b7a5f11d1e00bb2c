"""Staff pages of the cases app. Reads go through the selectors; writes call one service each."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import jurisdiction
from accounts.models import Commission, User
from accounts.roles import Role
from audit.services import timeline
from core.actions import cleaned_or_refuse, form_action, run_page_action, valid_or_refuse
from core.errors import DomainError
from core.keyset import paged

from . import deadlines, selectors, services, workflow
from .choices import AccessStatus, Category, CorrectionOp, CorrectionStatus, DispositionDecision, Status
from .filters import ReportPageFilterSet
from .forms import (
    AddAllegationForm,
    AllegationFormSet,
    AssignForm,
    AttachmentForm,
    CorrectAllegationForm,
    CorrectionDecisionForm,
    CorrectReportForm,
    DispositionForm,
    FeedbackForm,
    FindingForm,
    LinkForm,
    MergeAllegationsForm,
    NotesForm,
    ReasonForm,
    RecusalForm,
    RemoveAllegationForm,
    ReportForm,
    RequiredReasonForm,
    SplitAllegationForm,
    UnassignForm,
    VerificationForm,
)
from .presentation import event_changes, event_label, event_reason
from .services import AllegationInput, ReporterInput, SubjectInput, Upload, corrections, receipts

SUBJECT_PAGE_SIZE = 50
PAGE_SIZE = 25


@login_required
def report_list(request):
    form, queryset = selectors.reports_filtered(request.user, request.GET)
    sort = form.cleaned_data.get("sort") if form.is_valid() else ""
    sort = sort or "-id"
    if sort.lstrip("-") == "received_on":
        keys, kinds = [sort, "-id" if sort.startswith("-") else "id"], [datetime.date, int]
    else:
        keys, kinds = [sort], [int]
    data = form.cleaned_data if form.is_valid() else {}
    narrow, walk = ReportPageFilterSet.narrow_rows_first(data), ReportPageFilterSet.walk_ids(data, keys)
    return render(
        request,
        "cases/report_list.html",
        {
            "form": form,
            **paged(request, queryset, keys=keys, kinds=kinds, size=PAGE_SIZE, narrow=narrow, walk=walk),
            "today": timezone.localdate(),
            "nearing": deadlines.nearing_limit(),
            "can_register": bool(jurisdiction.commissions_with_role(request.user, Role.INTAKE)),
        },
    )


def _uploads(files, kind) -> list[Upload]:
    return [Upload(name=f.name, file=f, kind=kind) for f in files]


def _allegation_inputs(formset) -> list[AllegationInput]:
    items = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue
        subject = None
        if data.get("subject_id"):
            subject = selectors.subjects_visible_to(formset.user).filter(pk=data["subject_id"]).first()
            if subject is None:
                raise DomainError(_("That subject is not in your registry."), code="subject")
        new_subject = None
        if subject is None:
            new_subject = SubjectInput(
                kind=data["kind"],
                name=data["name"],
                position=data.get("position", ""),
                unit=data.get("unit", ""),
                rank=data.get("rank", ""),
                is_party_member=data.get("is_party_member", False),
                organisation_kind=data.get("organisation_kind", ""),
            )
        items.append(
            AllegationInput(text=data["text"], category=data["category"], subject=subject, new_subject=new_subject)
        )
    return items


@login_required
def report_create(request):
    intake_at = jurisdiction.commissions_with_role(request.user, Role.INTAKE)
    if not intake_at:
        raise Http404
    commissions = Commission.objects.filter(pk__in=[c.pk for c in intake_at])
    repeats = None  # earlier reports this one likely repeats, shown before anything is saved
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, commissions=commissions)
        formset = AllegationFormSet(request.POST, prefix="allegations")
        formset.user = request.user
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                registered = services.report_register(
                    actor=request.user,
                    commission=data["commission"],
                    received_on=data["received_on"],
                    channel=data["channel"],
                    area=data["area"],
                    summary=data["summary"],
                    allegations=_allegation_inputs(formset),
                    reporter=ReporterInput(
                        is_anonymous=data["is_anonymous"],
                        name=data["reporter_name"],
                        phone=data["reporter_phone"],
                        id_number=data["reporter_id_number"],
                        address=data["reporter_address"],
                        relation=data["reporter_relation"],
                    ),
                    uploads=_uploads(data["files"], "report"),
                    submission_token=data["submission_token"],
                    browser=receipts.browser_of(request),
                    repeat_of=_repeat_of(request.user, data["repeat_of"]),
                )
            except DomainError as error:
                if error.code != "possible_repeat":
                    messages.error(request, error.message)
                else:
                    repeats = error.details["repeats"]
            else:
                report = registered.report
                if registered.receipt_code:
                    from .services.common import format_receipt

                    return render(
                        request,
                        "cases/report_registered.html",
                        {
                            "report": report,
                            "receipt": format_receipt(registered.receipt_code),
                            "again": not registered.created,
                        },
                    )
                if registered.created:
                    messages.success(request, _("Report %(ref)s registered.") % {"ref": report.reference})
                return redirect("cases:report-detail", pk=report.pk)
    else:
        form = ReportForm(commissions=commissions)
        formset = AllegationFormSet(prefix="allegations", initial=[{}])
    return render(request, "cases/report_form.html", {"form": form, "formset": formset, "repeats": repeats})


def _repeat_of(user, pk: int | None):
    """The earlier report the user confirmed this one repeats; one out of reach is not found."""
    if not pk:
        return None
    return jurisdiction.get_in_reach(selectors.reports_visible_to(user), pk=pk)


@login_required
def report_detail(request, pk, identity=None, status=200, identity_error=""):
    report = selectors.report_detail(request.user, pk)
    user = request.user
    transitions = workflow.allowed_transitions(user, report)
    # Computed from what report_detail prefetched, so the page costs no query per question.
    assignments = list(report.assignments.all())
    assigned = selectors.is_assigned(user, report, assignments)
    roles_here = jurisdiction.roles_at(user, report.commission_id)
    pending = next((d for d in report.dispositions.all() if d.decision == DispositionDecision.PENDING), None)
    requests = list(report.identity_requests.all())
    can_see = selectors.can_see_identity(user, report, requests)
    has_identity = hasattr(report, "reporter") and not report.reporter.is_anonymous
    my_request = next(
        (a for a in requests if a.requester_id == user.pk and a.status != AccessStatus.REVOKED),
        None,
    )
    my_request = my_request if has_identity and not can_see else None
    findings_complete = all(a.finding for a in report.allegations.all())
    context = {
        "report": report,
        "transitions": transitions,
        "assigned": assigned,
        "is_supervisor": Role.SUPERVISOR in roles_here,
        "is_intake": Role.INTAKE in roles_here,
        "pending_disposition": pending,
        "can_see_identity": can_see,
        "has_identity": has_identity,
        "identity": identity,
        "identity_error": identity_error,
        "my_identity_request": my_request,
        "pending_identity_requests": [a for a in requests if a.status == AccessStatus.PENDING]
        if Role.SUPERVISOR in roles_here
        else [],
        "findings_complete": findings_complete,
        "records_findings": assigned and report.status == Status.UNDER_VERIFICATION,
        "recusals": list(report.recusals.all()),
        # Supervisors on the report's line of command record conflicts for their members (the service decides).
        "records_recusals_for_others": any(
            report.commission.is_within(c) for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)
        ),
        "linked": selectors.linked_reports(user, report),
        "extra_sections": selectors.report_sections(user, report),
        "events": [
            (event, event_label(event), event_changes(event), event_reason(event)) for event in timeline(report)
        ],
        "corrects_directly": corrections.corrects_directly(user, report),
        "may_correct": corrections.may_propose(user, report),
        "decides_corrections": corrections.may_decide(user, report),
        "pending_corrections": [
            (c, corrections.preview_rows(c)) for c in report.corrections.filter(status=CorrectionStatus.PENDING)
        ],
        "awaiting_clarification": selectors.subjects_without_clarification(report) if "close" in transitions else [],
        "unclassified": sum(1 for a in report.allegations.all() if a.category == Category.UNCLASSIFIED),
        "today": timezone.localdate(),
        "nearing": deadlines.nearing_limit(),
        "forms": {
            "disposition": DispositionForm(),
            "reason": ReasonForm(),
            "required_reason": RequiredReasonForm(),
            "verification": VerificationForm(candidates=selectors.assignable_investigators(report)),
            "assign": AssignForm(),
            "feedback": FeedbackForm(),
            "recusal": RecusalForm(),
            "link": LinkForm(),
            "attachment": AttachmentForm(),
            "correct_report": CorrectReportForm(auto_id="correct_%s", report=report),
            "split": SplitAllegationForm(),
            "merge": MergeAllegationsForm(report=report),
            "add_allegation": AddAllegationForm(report=report),
            "classified": CorrectAllegationForm.base_fields["category"].choices,
            "notes": NotesForm(initial={"notes": getattr(getattr(report, "verification", None), "notes", "")}),
        },
        "finding_form": FindingForm,
        "can_attach": selectors.may_add_attachments(user, report, assignments),
        "is_open": report.status not in (Status.CLOSED, Status.CLOSED_EARLY, Status.TRANSFERRED),
    }
    return render(request, "cases/report_detail.html", context, status=status)


def _user_by_name(username: str) -> User:
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise DomainError(_("Unknown user: %(names)s") % {"names": username}, code="unknown_user")
    return user


def _start(request, report):
    form = VerificationForm(request.POST, candidates=selectors.assignable_investigators(report))
    if not form.is_valid():
        raise DomainError(_("Please check the form."), code="invalid")
    services.verification_start(
        actor=request.user, report=report, investigators=form.chosen(), due_on=form.cleaned_data["due_on"]
    )
    return _("Verification started.")


def _assign(request, report):
    data = cleaned_or_refuse(AssignForm, request)
    for investigator in data["investigators"]:
        services.assignment_add(actor=request.user, report=report, investigator=investigator)
    return _("Investigator assigned.")


def _finding(request, report):
    data = cleaned_or_refuse(FindingForm, request)
    # The service refuses an allegation of another report; one out of reach is not found at all.
    allegation = jurisdiction.get_in_reach(selectors.allegations_visible_to(request.user), pk=data["allegation"])
    services.finding_record(
        actor=request.user,
        report=report,
        allegation=allegation,
        finding=data["finding"],
        notes=data["notes"],
        suspected_false=data["suspected_false"],
        false_grounds=data["false_grounds"],
        false_grounds_notes=data["false_grounds_notes"],
    )
    return _("Finding recorded.")


def _recusal(request, report):
    data = cleaned_or_refuse(RecusalForm, request)
    other = _user_by_name(data["username"]) if data["username"] else None
    services.recusal_declare(actor=request.user, report=report, reason=data["reason"], user=other)
    return _("Recusal recorded.")


def _link(request, report):
    data = cleaned_or_refuse(LinkForm, request)
    earlier = selectors.reports_visible_to(request.user).filter(reference=data["reference"].strip()).first()
    if earlier is None:
        raise DomainError(_("That report was not found."), code="not_found")
    services.report_link(actor=request.user, report=report, earlier=earlier, note=data["note"])
    return _("Reports linked.")


def _attach(request, report):
    data = cleaned_or_refuse(AttachmentForm, request)
    services.attachments_add(actor=request.user, report=report, uploads=_uploads(data["files"], data["kind"]))
    return _("Files added.")


def _corrected(correction) -> str:
    if correction.status == CorrectionStatus.APPLIED:
        return _("Correction applied.")
    return _("Correction proposed: a supervisor of the handling commission decides on it.")


def _correction(op: CorrectionOp, form_class):
    """The page action of one kind of correction: its form's payload, through the one correction service."""

    def correct(request, report):
        form = valid_or_refuse(form_class(request.POST, report=report))
        correction = services.report_correct(
            actor=request.user, report=report, op=op, payload=form.payload(), reason=form.cleaned_data["reason"]
        )
        return _corrected(correction)

    return correct


def _decide_correction(request, report):
    data = cleaned_or_refuse(CorrectionDecisionForm, request)
    correction = report.corrections.filter(pk=data["correction"]).first()
    if correction is None:
        raise DomainError(_("That correction is not one of this report's."), code="not_found")
    approve = data["decision"] == "approve"
    services.correction_decide(actor=request.user, correction=correction, approve=approve, reason=data["reason"])
    return _("Correction applied.") if approve else _("Correction rejected.")


def _action(service, form_class=None, *, done):
    """An action on the report whose form's fields are its service's arguments (core.actions.form_action)."""
    return form_action(service, form_class, on="report", done=done)


ACTIONS = {
    "correct-report": _correction(CorrectionOp.REPORT, CorrectReportForm),
    "correct-allegation": _correction(CorrectionOp.EDIT, CorrectAllegationForm),
    "split-allegation": _correction(CorrectionOp.SPLIT, SplitAllegationForm),
    "merge-allegations": _correction(CorrectionOp.MERGE, MergeAllegationsForm),
    "add-allegation": _correction(CorrectionOp.ADD, AddAllegationForm),
    "remove-allegation": _correction(CorrectionOp.REMOVE, RemoveAllegationForm),
    "decide-correction": _decide_correction,
    "propose-disposition": _action(
        services.disposition_propose, DispositionForm, done=gettext_lazy("Disposition proposed.")
    ),
    "approve-disposition": _action(
        services.disposition_approve, ReasonForm, done=gettext_lazy("Disposition approved.")
    ),
    "reject-disposition": _action(
        services.disposition_reject, RequiredReasonForm, done=gettext_lazy("Disposition returned.")
    ),
    "start-verification": _start,
    "assign": _assign,
    "unassign": _action(services.assignment_end, UnassignForm, done=gettext_lazy("Assignment ended.")),
    "record-finding": _finding,
    "notes": _action(services.verification_notes_update, NotesForm, done=gettext_lazy("Notes saved.")),
    "conclude": _action(services.verification_conclude, done=gettext_lazy("Verification concluded.")),
    "close": _action(services.report_close, ReasonForm, done=gettext_lazy("Report closed.")),
    "resume": _action(services.report_resume, ReasonForm, done=gettext_lazy("Report resumed.")),
    "feedback": _action(services.feedback_record, FeedbackForm, done=gettext_lazy("Feedback recorded.")),
    "read-supplements": _action(services.supplements_mark_read, done=gettext_lazy("Marked as read.")),
    "recusal": _recusal,
    "link": _link,
    "attach": _attach,
    "request-identity": _action(
        services.identity_request, RequiredReasonForm, done=gettext_lazy("Your request was sent to the custodian.")
    ),
}


@login_required
@require_POST
def report_action(request, pk, action):
    report = selectors.report_detail(request.user, pk)
    run_page_action(request, ACTIONS, action, report)
    if action == "recusal" and not selectors.reports_visible_to(request.user).filter(pk=pk).exists():
        return redirect("cases:report-list")
    return redirect(reverse("cases:report-detail", args=[pk]))


@login_required
@require_POST
def identity_reveal(request, pk):
    """Shows the identity in the response only (never cached in a GET) and records the reveal."""
    report = selectors.report_detail(request.user, pk)
    try:
        identity = services.identity_reveal(actor=request.user, report=report)
    except DomainError as error:
        if error.code != "identity_undecryptable":
            messages.error(request, error.message)
            return redirect("cases:report-detail", pk=pk)
        # Said where the identity would be, so nobody takes the reporter for an anonymous one.
        response = report_detail(request, pk, identity_error=error.message, status=503)
    else:
        response = report_detail(request, pk, identity=identity)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def identity_requests(request):
    if request.method == "POST":
        access = jurisdiction.get_in_reach(
            selectors.identity_requests_for_custodian(request.user), pk=request.POST.get("id")
        )
        form = RequiredReasonForm(request.POST)
        decision = request.POST.get("decision")
        try:
            if not form.is_valid():
                raise DomainError(_("The reason is required."), code="required")
            reason = form.cleaned_data["reason"]
            if decision == "revoke":
                services.identity_revoke(actor=request.user, access=access, reason=reason)
            else:
                services.identity_decide(actor=request.user, access=access, grant=decision == "grant", reason=reason)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Decision recorded."))
        return redirect("cases:identity-requests")
    return render(
        request,
        "cases/identity_requests.html",
        {
            "waiting": selectors.identity_requests_for_custodian(request.user).filter(status=AccessStatus.PENDING),
            "granted": selectors.identity_requests_for_custodian(request.user).filter(status=AccessStatus.GRANTED),
            "mine": selectors.identity_requests_made_by(request.user),
            "form": RequiredReasonForm(),
        },
    )


@login_required
def subject_detail(request, pk):
    subject = jurisdiction.get_in_reach(selectors.subjects_visible_to(request.user), pk=pk)
    reports = selectors.reports_about(request.user, subject)
    listing = paged(request, reports, keys=["-received_on", "-id"], kinds=[datetime.date, int], size=SUBJECT_PAGE_SIZE)
    return render(
        request,
        "cases/subject_detail.html",
        {
            "subject": subject,
            **listing,
            "reports": listing["page"].items,
            "extra_sections": selectors.subject_sections(request.user, subject),
        },
    )


@login_required
def subject_search(request):
    query = (request.GET.get("q") or "").strip()
    results = []
    if query:
        subjects = selectors.subjects_visible_to(request.user).filter(
            Q(name__startswith=query) | Q(unit__contains=query)
        )[:15]
        results = [
            {"id": s.pk, "label": str(s), "kind": s.get_kind_display(), "commission": s.commission.name}
            for s in subjects
        ]
    return JsonResponse({"results": results})


@login_required
def investigator_search(request, pk):
    """The investigator picker of the report page: a report out of reach is not found, as on the page."""
    report = selectors.report_detail(request.user, pk)
    # ?scope=all (assigning another investigator during verification) includes the handling commission's own.
    others_only = request.GET.get("scope") != "all"
    found = selectors.investigators_in_reach(request.user, report, request.GET.get("q") or "", others_only=others_only)
    results = [{"id": u.pk, "label": str(u), "username": u.username, "commission": c.name} for u, c in found]
    return JsonResponse({"results": results})


@login_required
def attachment_download(request, pk):
    attachment = jurisdiction.get_in_reach(
        selectors.attachments_visible_to(request.user),
        pk=pk,
    )
    response = FileResponse(
        services.attachment_open(actor=request.user, attachment=attachment),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_work(request):
    """The work list is the home page now; the old address keeps working."""
    return redirect("home")

"""Pages of the clarification app: thin callers of the selectors and services."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import jurisdiction
from accounts.models import CommissionLevel
from accounts.roles import Role
from audit.services import timeline
from cases.selectors import can_see_identity
from cases.selectors import report_detail as case_report_detail
from cases.services import identity_reveal
from core import jobs, spreadsheets
from core.actions import cleaned_or_refuse, form_action, run_page_action
from core.errors import DomainError

from . import permissions, selectors, services, workflow
from .choices import REVIEW_OFFICES, Aggravation, MeasureStatus, Status
from .forms import (
    BatchBuildForm,
    BatchItemExecuteForm,
    ExecuteForm,
    FalseCaseForm,
    FeedbackForm,
    FollowUpForm,
    ItemExecuteForm,
    MeasureForm,
    ReasonForm,
    RecommendationForm,
    ReturnVisitForm,
    ReviewForm,
)
from .presentation import STATUS_BADGES, timeline_rows
from .services.false_accusations import may_decide, may_open, may_propose

LIST_LIMIT = 200


def _city_supervisor_cities(user):
    return [
        c for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR) if c.level == CommissionLevel.MUNICIPAL
    ]


# Recommendations


@login_required
def recommendation_list(request):
    form, recommendations = selectors.recommendations_filtered(request.user, request.GET)
    context = {
        "form": form,
        "recommendations": recommendations[:LIST_LIMIT],
        "ready": selectors.ready_reports(request.user)[:20],
        "badges": STATUS_BADGES,
    }
    return render(request, "clarification/recommendation_list.html", context)


@login_required
def recommendation_create(request):
    report_id = request.GET.get("report") or request.POST.get("report")
    if not report_id:
        return render(
            request, "clarification/recommendation_pick.html", {"ready": selectors.ready_reports(request.user)[:100]}
        )
    report = case_report_detail(request.user, report_id)
    if not selectors.ready_reports(request.user).filter(pk=report.pk).exists():
        messages.error(
            request, _("This report has no allegation found untrue that you may recommend for clarification.")
        )
        return redirect("clarification:create")
    subjects = selectors.draftable_subjects(report)
    eligible = [a for s in subjects if not s["taken"] for a in s["eligible"]]
    open_subjects = [s["subject"] for s in subjects if s["eligible"] and not s["taken"]]
    form = RecommendationForm(
        request.POST or None,
        subjects=open_subjects,
        allegations=eligible,
        initial={
            "subject": open_subjects[0].pk if len(open_subjects) == 1 else None,
            "allegations": [a.pk for a in eligible] if len(open_subjects) == 1 else [],
        },
    )
    if request.method == "POST" and form.is_valid():
        subject = next(s for s in open_subjects if s.pk == form.cleaned_data["subject"])
        try:
            recommendation = services.recommendation_draft(
                actor=request.user, report=report, subject=subject, **form.draft()
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Recommendation drafted."))
            return redirect("clarification:detail", recommendation.pk)
    context = {"report": report, "subjects": subjects, "form": form}
    return render(request, "clarification/recommendation_form.html", context)


@login_required
def recommendation_edit(request, pk):
    recommendation = selectors.recommendation_detail(request.user, pk)
    eligible = [
        a
        for s in selectors.draftable_subjects(recommendation.report)
        if s["subject"].pk == recommendation.subject_id
        for a in s["eligible"]
    ]
    initial = {
        "allegations": [item.allegation_id for item in recommendation.items.all()],
        "method": recommendation.method,
        "audience": recommendation.audience,
        "statement": recommendation.statement,
        "subject_wishes": recommendation.subject_wishes,
    }
    form = RecommendationForm(request.POST or None, allegations=eligible, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_update(actor=request.user, recommendation=recommendation, **form.draft())
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("clarification:detail", recommendation.pk)
    context = {"report": recommendation.report, "recommendation": recommendation, "form": form}
    return render(request, "clarification/recommendation_form.html", context)


@login_required
def recommendation_detail(request, pk):
    recommendation = selectors.recommendation_detail(request.user, pk)
    user = request.user
    allowed = workflow.allowed_transitions(user, recommendation)
    opinions = services.review_state(recommendation)
    my_offices = (
        permissions.review_offices_of(user, recommendation) if recommendation.status == Status.IN_REVIEW else []
    )
    history = [o for o in recommendation.opinions.all() if o.round != recommendation.round]
    # One opinion form per office the user reviews for, each in that office's own action panel (issue 16).
    review_forms = [
        (kind, kind.label, ReviewForm(initial={"office": kind.value}, auto_id=f"review_{kind.value}_%s"))
        for kind in REVIEW_OFFICES
        if kind in my_offices
    ]
    check = services.statement_check(recommendation) if recommendation.status in _CHECKED else None
    batch_item = services.open_batch_item(recommendation) if recommendation.status == Status.APPROVED else None
    context = {
        "r": recommendation,
        "badge": STATUS_BADGES.get(recommendation.status, ""),
        "allowed": allowed,
        "transitions": workflow.TRANSITIONS,
        "opinion_rows": [{"office": k, "label": k.label, "opinion": opinions[k]} for k in REVIEW_OFFICES],
        "all_agree": all(o is not None and o.opinion == "agree" for o in opinions.values()),
        "history": history,
        "my_offices": my_offices,
        "review_forms": review_forms,
        "check": check,
        "may_override": bool(check and check["blocked"]) and permissions.may_override_statement(user, recommendation),
        "reason_form": ReasonForm(),
        "batch_item": batch_item,
        "execute_form": ItemExecuteForm()
        if batch_item
        else ExecuteForm(initial={"method_used": recommendation.method, "audience_reached": recommendation.audience}),
        "visit_form": ReturnVisitForm(),
        "feedback_form": FeedbackForm(),
        "can_feedback": "feedback" in allowed,
        "visit": getattr(recommendation, "return_visit", None),
        "events": timeline_rows(timeline(recommendation)),
        "today": timezone.localdate(),
    }
    return render(request, "clarification/recommendation_detail.html", context)


_CHECKED = (Status.DRAFT, Status.IN_REVIEW, Status.PENDING_APPROVAL, Status.APPROVED)


def _reason(request) -> str:
    return cleaned_or_refuse(ReasonForm, request)["reason"]


def _execute(request, recommendation):
    data = cleaned_or_refuse(ExecuteForm, request)
    services.clarification_execute(
        actor=request.user,
        recommendation=recommendation,
        executed_on=data["executed_on"],
        place=data["place"],
        participants=data["participants"],
        method_used=data["method_used"] or None,
        audience_reached=data["audience_reached"] or None,
        visit_due_on=data["visit_due_on"],
    )
    return _("Execution recorded; the return visit is scheduled.")


def _action(service, form_class=None, *, done):
    """An action on the recommendation whose form's fields are its service's arguments (core.actions.form_action)."""
    return form_action(service, form_class, on="recommendation", done=done)


ACTIONS = {
    "submit_review": _action(
        services.recommendation_submit_review, done=gettext_lazy("Sent to the centralised review.")
    ),
    "review": _action(services.review_record, ReviewForm, done=gettext_lazy("Opinion recorded.")),
    "withdraw": _action(services.recommendation_withdraw, ReasonForm, done=gettext_lazy("Taken back for revision.")),
    "submit": _action(services.recommendation_submit, done=gettext_lazy("Submitted for approval.")),
    "approve": _action(services.recommendation_approve, ReasonForm, done=gettext_lazy("Approved.")),
    "return": _action(services.recommendation_return, ReasonForm, done=gettext_lazy("Returned for revision.")),
    "reject": _action(services.recommendation_reject, ReasonForm, done=gettext_lazy("Rejected.")),
    "reopen": _action(
        services.recommendation_reopen,
        ReasonForm,
        done=gettext_lazy("Back in draft; it needs a new review and approval."),
    ),
    "execute": _execute,
    "return_visit": _action(services.return_visit_record, ReturnVisitForm, done=gettext_lazy("Return visit recorded.")),
    "feedback": _action(
        services.clarification_feedback, FeedbackForm, done=gettext_lazy("Feedback to the reporter recorded.")
    ),
    "override_statement": _action(
        services.recommendation_override_statement,
        ReasonForm,
        done=gettext_lazy("Override recorded: the statement may go on as it reads now."),
    ),
}


@login_required
@require_POST
def recommendation_action(request, pk, action):
    recommendation = selectors.recommendation_detail(request.user, pk)
    run_page_action(request, ACTIONS, action, recommendation)
    return redirect("clarification:detail", pk)


@login_required
def approvals(request):
    context = {
        "approvals": selectors.approvals_waiting_for(request.user),
        "reviews": selectors.reviews_waiting_for(request.user),
        "drafts": selectors.drafts_of(request.user),
        "measures": selectors.measures_waiting_for(request.user),
        "badges": STATUS_BADGES,
    }
    return render(request, "clarification/approvals.html", context)


@login_required
def return_visits(request):
    visits = selectors.return_visits_visible_to(request.user).order_by("visited_on", "due_on")[:LIST_LIMIT]
    return render(request, "clarification/return_visits.html", {"visits": visits, "today": timezone.localdate()})


# Joint batches


@login_required
def batch_list(request):
    cities = _city_supervisor_cities(request.user)
    form = BatchBuildForm(request.POST or None, cities=cities)
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = services.batch_build(
                    city=form.cleaned_data["city"], month=form.cleaned_data["month"], actor=request.user
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Batch built: %(count)s clarifications.") % {"count": batch.items.count()})
                return redirect("clarification:batch-detail", batch.pk)
        else:
            messages.error(request, _("Please check the form."))
    batches = selectors.batches_visible_to(request.user).order_by("-month", "city__path")[:LIST_LIMIT]
    context = {"batches": batches, "form": form, "can_build": bool(cities), "job_runs": _job_runs()}
    context["can_run_job"] = bool(cities) and any(r["state"] != "done" for r in context["job_runs"])
    return render(request, "clarification/batch_list.html", context)


@login_required
@require_POST
def batch_job_run(request):
    try:
        services.batches_build_request(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The monthly build job is queued; it builds every month not done yet."))
    return redirect("clarification:batch-list")


def _job_runs(month=None) -> list[dict]:
    """How the monthly build job stands (not case data): due, running, stale, failed or done."""
    rows = jobs.status_of(services.batches.JOB_NAME)
    return [r for r in rows if r["period"] == month and r["state"] != "done"] if month else rows


def _batch_context(request, pk):
    batch = selectors.batch_detail(request.user, pk)
    items = list(selectors.batch_items(request.user, batch))
    return batch, {"batch": batch, "summary": selectors.batch_summary(request.user, batch, items)}


@login_required
def batch_detail(request, pk):
    batch, context = _batch_context(request, pk)
    is_city_supervisor = jurisdiction.has_role(request.user, batch.city_id, Role.SUPERVISOR)
    for group in context["summary"]["groups"]:
        for item in group["items"]:
            r = item.recommendation
            # A courtesy: the form is shown to the commission's own people; the service decides.
            if r.status == Status.APPROVED and permissions.records_own_execution(request.user, r):
                item.execute_form = BatchItemExecuteForm(auto_id=f"id_{r.pk}_%s", initial={"recommendation": r.pk})
    context.update(
        {
            "can_rebuild": is_city_supervisor and batch.status == "built",
            "events": timeline_rows(timeline(batch)),
            "job_runs": _job_runs(batch.month),
        }
    )
    return render(request, "clarification/batch_detail.html", context)


def _batch_item_in_reach(request, batch):
    """The item a form names, if it is in the user's reach; otherwise a 404 like an item that does not exist."""
    try:
        recommendation_id = int(request.POST.get("recommendation", ""))
    except ValueError as error:
        raise Http404 from error
    item = selectors.batch_items(request.user, batch).filter(recommendation_id=recommendation_id).first()
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def batch_action(request, pk, action):
    batch = selectors.batch_detail(request.user, pk)
    if action not in ("rebuild", "execute-item"):
        raise Http404
    item = _batch_item_in_reach(request, batch) if action == "execute-item" else None
    try:
        if action == "rebuild":
            batch = services.batch_build(city=batch.city, month=batch.month, actor=request.user)
            messages.success(request, _("Batch rebuilt: %(count)s clarifications.") % {"count": batch.items.count()})
        else:
            data = cleaned_or_refuse(BatchItemExecuteForm, request)
            del data["recommendation"]
            services.batch_item_execute(actor=request.user, batch=batch, recommendation=item.recommendation, **data)
            messages.success(
                request,
                _("Execution of %(reference)s recorded; the return visit is scheduled.")
                % {"reference": item.recommendation.reference},
            )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("clarification:batch-detail", pk)


@login_required
def batch_print(request, pk):
    batch, context = _batch_context(request, pk)
    services.batch_export_record(actor=request.user, batch=batch, fmt="html")
    context["printed_at"] = timezone.localtime()
    return render(request, "clarification/batch_print.html", context)


@login_required
def batch_xlsx(request, pk):
    batch, context = _batch_context(request, pk)
    services.batch_export_record(actor=request.user, batch=batch, fmt="xlsx")
    buffer = io.BytesIO()
    book = spreadsheets.Workbook(buffer)  # every cell a value: names and allegations are typed by people
    sheet = book.sheet(batch.month.strftime("%Y-%m"))
    sheet.append([_("Joint clarification roster"), str(batch.city), batch.month.strftime("%Y-%m")])
    sheet.append(
        [
            _("Commission"),
            _("Method"),
            _("Reference"),
            _("Subject"),
            _("Kind"),
            _("Unit and position"),
            _("Allegations to clarify"),
            _("Audience scope"),
            _("Status"),
            _("Executed on"),
            _("Place"),
            _("Participants"),
            _("Carried out by"),
            _("Carried over from"),
        ],
        bold=True,
    )
    for group in context["summary"]["groups"]:
        for item in group["items"]:
            r = item.recommendation
            sheet.append(
                [
                    str(group["county"]),
                    str(group["method"]),
                    r.reference,
                    r.subject.name,
                    r.subject.get_kind_display(),
                    f"{r.subject.unit}{r.subject.position}",
                    "；".join(i.allegation.text for i in r.items.all()),
                    r.get_audience_display(),
                    r.get_status_display(),
                    r.executed_on.isoformat() if r.executed_on else "",
                    r.execution_place,
                    r.execution_participants,
                    str(r.executed_by) if r.executed_by else "",
                    item.carried_from.strftime("%Y-%m") if item.carried_from else "",
                ]
            )
    summary = context["summary"]
    sheet.append([])
    sheet.append([_("Progress per commission"), _("Carried out")], bold=True)
    for progress in summary["progress"]:
        sheet.append([str(progress["county"]), f"{progress['done']}/{progress['total']}"])
    if summary["withheld"]:
        sheet.append([])
        sheet.append([_("Other commissions"), _("outside your reach: counted, not named")], bold=True)
        for withheld in summary["withheld"]:
            sheet.append([str(withheld["county"]), withheld["count"]])
    sheet.append([])
    sheet.append(
        [_("People"), summary["people"], _("Organisations"), summary["organisations"], _("Total"), summary["total"]]
    )
    sheet.widths((18, 14, 12, 12, 8, 28, 50, 14, 10, 12, 24, 24, 12, 12))
    book.close()
    response = HttpResponse(buffer.getvalue(), content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="joint-clarification-{batch.city.abbr}-{batch.month:%Y-%m}.xlsx"'
    )
    return response


# False accusations


def _accuser_display(user, case) -> str:
    if case.accuser is None:
        return _("Unknown")
    if can_see_identity(user, case.report):
        # Through the cases service, so that every reveal is in the audit trail.
        return identity_reveal(actor=user, report=case.report)["name"] or case.accuser.pseudonym
    return case.accuser.pseudonym


@login_required
def false_case_list(request):
    cases = selectors.false_cases_visible_to(request.user).order_by("-id")[:LIST_LIMIT]
    flagged = [a for a in selectors.suspected_false_allegations(request.user)[:50] if may_open(request.user, a)]
    return render(request, "clarification/false_case_list.html", {"cases": cases, "flagged": flagged})


@login_required
def false_case_create(request):
    allegation = (
        selectors.suspected_false_allegations(request.user)
        .filter(pk=request.GET.get("allegation") or request.POST.get("allegation") or 0)
        .first()
    )
    if allegation is None:
        raise Http404
    form = FalseCaseForm(request.POST or None, initial={"accuser_known": not allegation.report.reporter.is_anonymous})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.false_case_open(actor=request.user, allegation=allegation, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("False-accusation case opened."))
            return redirect("clarification:false-case-detail", case.pk)
    return render(request, "clarification/false_case_form.html", {"allegation": allegation, "form": form})


@login_required
def false_case_detail(request, pk):
    case = selectors.false_case_detail(request.user, pk)
    user = request.user
    linked = None
    if case.recommendation_id:
        linked = selectors.recommendations_visible_to(user).filter(pk=case.recommendation_id).first()
    context = {
        "case": case,
        "accuser": _accuser_display(user, case),
        "aggravations": [Aggravation(a).label for a in case.aggravations if a in Aggravation.values],
        "linked": linked,
        "can_propose": case.status == "open" and may_propose(user, case),
        "can_decide": may_decide(user, case),
        "measure_form": MeasureForm(),
        "follow_up_form": FollowUpForm(),
        "reason_form": ReasonForm(),
        "proposed": MeasureStatus.PROPOSED,
        "events": timeline_rows(timeline(case)),
    }
    return render(request, "clarification/false_case_detail.html", context)


@login_required
@require_POST
def false_case_action(request, pk, action):
    case = selectors.false_case_detail(request.user, pk)
    try:
        if action == "measure":
            services.measure_propose(actor=request.user, case=case, **cleaned_or_refuse(MeasureForm, request))
            messages.success(request, _("Measure proposed; it awaits a supervisor's approval."))
        elif action in ("approve", "reject", "follow-up"):
            measure = case.measures.filter(pk=request.POST.get("measure") or 0).first()
            if measure is None:
                raise Http404
            if action == "follow-up":
                services.measure_follow_up(
                    actor=request.user, measure=measure, **cleaned_or_refuse(FollowUpForm, request)
                )
                messages.success(request, _("Follow-up recorded."))
            else:
                services.measure_decide(
                    actor=request.user, measure=measure, approve=action == "approve", reason=_reason(request)
                )
                messages.success(request, _("Decision recorded."))
        elif action == "close":
            services.false_case_close(actor=request.user, case=case, reason=_reason(request))
            messages.success(request, _("Case closed."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("clarification:false-case-detail", args=[pk]))

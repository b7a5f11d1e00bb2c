"""Pages of the accountability app. Reads go through the selectors; each step calls one service."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import administration, jurisdiction
from accounts.models import Commission, User
from accounts.roles import Role
from audit.services import timeline
from cases.authority import managing_commission
from cases.selectors import reports_visible_to, subjects_visible_to
from core import work as work_list
from core.errors import DomainError
from core.keyset import paged

from . import forms, selectors, services, workflow
from .choices import COMPLAINT_OUTCOMES, COMPLAINT_STEPS, MAIN_STEPS, DecisionStatus, Status
from .filters import CasePageFilterSet
from .models import FollowUpVisit
from .presentation import event_label

PAGE_SIZE = 25


def filtered_cases(user, params):
    """The case list page's form and what it selects, for the page and the decisions export: the user's cases
    narrowed by the page's FilterSet (accountability/filters.py); an invalid filter narrows nothing."""
    filters = CasePageFilterSet(params or None, queryset=selectors.case_list(user), user=user)
    return filters.form, filters.narrowed()


@login_required
def case_list(request):
    form, queryset = filtered_cases(request.user, request.GET)
    return render(
        request,
        "accountability/case_list.html",
        {
            "form": form,
            **paged(request, queryset, keys=["-id"], kinds=[int], size=PAGE_SIZE),
            "tasks": work_list.tasks_for(request.user, workflows=(workflow.CASES.name,)),
            "work": selectors.accountability_work_for(request.user),
            "can_initiate": bool(jurisdiction.commissions_with_role(request.user, Role.SUPERVISOR)),
        },
    )


def _team_candidates(user):
    commissions = jurisdiction.readable_commission_ids(user)
    return (
        User.objects.filter(
            memberships__commission__in=commissions, memberships__role__in=[Role.INVESTIGATOR, Role.REVIEWER]
        )
        .distinct()
        .order_by("username")
    )


@login_required
def case_create(request):
    supervised = jurisdiction.commissions_with_role(request.user, Role.SUPERVISOR)
    if not supervised:
        raise Http404
    form = forms.CaseInitiateForm(
        request.POST or None,
        commissions=Commission.objects.filter(pk__in=[c.pk for c in supervised]),
        subjects=subjects_visible_to(request.user).order_by("commission__path", "kind", "name"),
        team=_team_candidates(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        references = form.report_references()
        reports = list(reports_visible_to(request.user).filter(reference__in=references))
        try:
            if len(reports) != len(set(references)):
                raise DomainError(_("That report is not in your reach."), code="report")
            case = services.case_initiate(
                actor=request.user,
                commission=data["commission"],
                trigger=data["trigger"],
                facts=data["facts"],
                subjects=list(data["subjects"]),
                reports=reports,
                team=list(data["team"]),
                initiated_on=data["initiated_on"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Accountability case %(ref)s initiated.") % {"ref": case.reference})
            return redirect("accountability:case-detail", pk=case.pk)
    return render(request, "accountability/case_form.html", {"form": form})


def _steps(case):
    """The procedure as steps, each marked done, current or ahead."""
    main = list(MAIN_STEPS) + [Status.CLOSED]
    in_complaint = case.status in COMPLAINT_STEPS or case.status in COMPLAINT_OUTCOMES
    rows = []
    reached = True
    for status in main:
        if in_complaint and status == Status.IMPLEMENTED:
            break
        state = "current" if status == case.status else ("done" if reached else "ahead")
        if status == case.status:
            reached = False
        rows.append({"label": Status(status).label, "state": state})
    if in_complaint or case.complaints.all():
        for status in (*COMPLAINT_STEPS, case.status if case.status in COMPLAINT_OUTCOMES else None):
            if status is None:
                continue
            state = "current" if status == case.status else ("done" if reached else "ahead")
            if status == case.status:
                reached = False
            rows.append({"label": Status(status).label, "state": state})
    if reached and case.status not in main and not in_complaint:
        rows.append({"label": case.get_status_display(), "state": "current"})
    return rows


@login_required
def case_detail(request, pk):
    case = selectors.case_detail(request.user, pk)
    user = request.user
    team_member = workflow.is_team_member(user, case)
    allowed = set(workflow.allowed_transitions(user, case))
    supervisor_here = jurisdiction.has_role(user, case.commission_id, Role.SUPERVISOR)
    targets = []
    decisions = list(case.decisions.all())
    for target in case.targets.all():
        own = [d for d in decisions if d.target_id == target.pk]
        active = next((d for d in own if d.status in (DecisionStatus.PROPOSED, DecisionStatus.IN_FORCE)), None)
        open_for_work = case.status in (Status.INVESTIGATING, Status.DECISION_PROPOSED) and active is None
        authority = managing_commission(target.subject)
        rows = []
        for decision in own:
            rows.append(
                {
                    "decision": decision,
                    "may_approve": services.approval_refusal(user, decision, case=case, authority=authority) is None,
                    "may_review_reuse": services.reuse_review_refusal(user, decision) is None,
                    "may_visit": team_member,
                }
            )
        targets.append(
            {
                "target": target,
                "authority": authority,
                "decisions": rows,
                "may_work": team_member and open_for_work,
                "may_propose": "propose_decision" in allowed and open_for_work,
            }
        )
    complaints = []
    for complaint in case.complaints.all():
        authority = managing_commission(complaint.decision.target.subject)
        complaints.append(
            {
                "complaint": complaint,
                "may_review": not complaint.outcome
                and case.status == Status.COMPLAINT
                and "review_complaint" in allowed,
                "may_resolve": not complaint.outcome
                and workflow.CASES.refusal(case, actor=user, name="resolve_complaint", authority=authority) is None,
            }
        )
    return render(
        request,
        "accountability/case_detail.html",
        {
            "case": case,
            "steps": _steps(case),
            "targets": targets,
            "complaints": complaints,
            "allowed": allowed,
            "has_actions": bool(allowed - {"propose_decision"})
            or any(
                t["may_work"]
                or t["may_propose"]
                or any(r["may_approve"] or r["may_review_reuse"] for r in t["decisions"])
                for t in targets
            )
            or any(c["may_review"] or c["may_resolve"] for c in complaints),
            "team": selectors.team_of(case),
            "may_manage_team": supervisor_here and case.status != Status.CLOSED,
            "events": [(event, event_label(event)) for event in timeline(case)],
        },
    )


# --- steps: one page and one service call each ---------------------------------------------------


@dataclass
class Step:
    title: Any
    form: Any = None
    lookup: str = ""  # "target", "decision", "complaint" or "visit": which object of the case the id names


def _object(case, lookup, obj_id):
    """The object the step acts on, looked up within the case already in reach."""
    querysets = {
        "target": lambda: case.targets.select_related("subject", "case"),
        "decision": lambda: case.decisions.select_related("target__subject", "case"),
        "complaint": lambda: case.complaints.select_related("decision__target__subject", "case"),
        "visit": lambda: FollowUpVisit.objects.filter(decision__case=case).select_related("decision__target__subject"),
    }
    return jurisdiction.get_in_reach(querysets[lookup](), pk=obj_id)


STEPS = {
    "start": Step(gettext_lazy("Start investigation")),
    "implement": Step(gettext_lazy("Record implementation"), forms.ImplementForm),
    "close": Step(gettext_lazy("Close case"), forms.ReasonForm),
    "team": Step(gettext_lazy("Add to the team"), forms.TeamForm),
    "musts": Step(gettext_lazy("The four musts"), forms.FourMustsForm, "target"),
    "assess": Step(gettext_lazy("Three-distinctions assessment"), forms.AssessmentForm, "target"),
    "propose": Step(gettext_lazy("Propose decision"), forms.DecisionForm, "target"),
    "approve": Step(gettext_lazy("Approve decision"), forms.ApproveForm, "decision"),
    "return": Step(gettext_lazy("Return decision"), forms.ReasonForm, "decision"),
    "reuse": Step(gettext_lazy("“May be used again” review"), forms.ReuseForm, "decision"),
    "visit": Step(gettext_lazy("Follow-up visit"), forms.VisitForm, "visit"),
    "complaint": Step(gettext_lazy("Record complaint"), forms.ComplaintForm),
    "review": Step(gettext_lazy("Review complaint"), forms.ReviewForm, "complaint"),
    "resolve": Step(gettext_lazy("Decide on complaint"), forms.ResolveForm, "complaint"),
}


def _form_kwargs(name, request, case, obj) -> dict:
    if name == "team":
        return {"users": _team_candidates(request.user)}
    if name == "assess":
        return {"entries": selectors.catalogue_in_force(case.commission)}
    if name == "complaint":
        return {"decisions": case.decisions.filter(status=DecisionStatus.IN_FORCE).select_related("target__subject")}
    if name == "propose":
        return {"kind": obj.kind, "rules": selectors.measure_rules()}
    if name == "resolve":
        return {"kind": obj.decision.target_kind, "rules": selectors.measure_rules()}
    return {}


def _initial(name, obj) -> dict:
    if name in ("musts", "assess") and obj is not None:
        fields = forms.FourMustsForm.base_fields if name == "musts" else forms.AssessmentForm.base_fields
        initial = {f: getattr(obj, f) for f in fields if f != "exemption_entries" and hasattr(obj, f)}
        if name == "assess":
            initial["exemption_entries"] = list(obj.exemption_entries.all())
        return initial
    if name in ("propose",) and obj is not None:
        return {"deciding_organ": obj.case.commission.name_zh}
    if name == "resolve" and obj is not None:
        return {"deciding_organ": obj.decision.deciding_organ}
    return {}


def _run(name, user, case, obj, data):
    if name == "start":
        return services.case_start_investigation(actor=user, case=case)
    if name == "implement":
        return services.case_implement(actor=user, case=case, implemented_on=data["implemented_on"])
    if name == "close":
        return services.case_close(actor=user, case=case, reason=data["reason"])
    if name == "team":
        return services.team_add(actor=user, case=case, user=data["user"])
    if name == "musts":
        return services.four_musts_record(actor=user, target=obj, **data)
    if name == "assess":
        return services.assessment_record(
            actor=user,
            target=obj,
            **{k: v for k, v in data.items() if k != "exemption_entries"},
            exemption_entries=list(data["exemption_entries"]),
        )
    if name == "propose":
        return services.decision_propose(actor=user, target=obj, data=_decision_input(data))
    if name == "approve":
        return services.decision_approve(actor=user, decision=obj, **data)
    if name == "return":
        return services.decision_return(actor=user, decision=obj, reason=data["reason"])
    if name == "reuse":
        return services.reuse_review_record(actor=user, decision=obj, **data)
    if name == "visit":
        return services.visit_record(actor=user, visit=obj, **data)
    if name == "complaint":
        return services.complaint_lodge(actor=user, **data)
    if name == "review":
        return services.complaint_review(actor=user, complaint=obj, **data)
    if name == "resolve":
        correction = _decision_input(data) if data["outcome"] == "changed" else None
        return services.complaint_resolve(
            actor=user, complaint=obj, outcome=data["outcome"], reasons=data["outcome_reasons"], correction=correction
        )
    raise Http404


def _decision_input(data) -> services.DecisionInput:
    return services.DecisionInput(
        form=data.get("form"),
        measures=list(data.get("measures") or []),
        deciding_organ=data.get("deciding_organ") or "",
        reasons=data.get("reasons") or "",
        transfer_organ=data.get("transfer_organ") or "",
        transfer_reference=data.get("transfer_reference") or "",
        circumstance=data.get("circumstance") or "",
    )


@login_required
def case_step(request, pk, step, obj_id=None):
    spec = STEPS.get(step)
    if spec is None or bool(spec.lookup) != (obj_id is not None):
        raise Http404
    case = selectors.case_detail(request.user, pk)
    obj = _object(case, spec.lookup, obj_id) if spec.lookup else None
    form = None
    if spec.form is not None:
        kwargs = _form_kwargs(step, request, case, obj)
        if request.method == "POST":
            form = spec.form(request.POST, **kwargs)
        else:
            form = spec.form(initial=_initial(step, obj), **kwargs)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            _run(step, request.user, case, obj, form.cleaned_data if form is not None else {})
        except DomainError as error:
            messages.error(request, error.message)
            if form is None:
                return redirect("accountability:case-detail", pk=case.pk)
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": spec.title})
            return redirect("accountability:case-detail", pk=case.pk)
    if form is None:
        return redirect("accountability:case-detail", pk=case.pk)
    return render(
        request,
        "accountability/step.html",
        {"case": case, "obj": obj, "step": step, "title": spec.title, "form": form},
    )


@login_required
def catalogue(request):
    entries = selectors.catalogue_visible_to(request.user)
    today = timezone.localdate()
    provinces = sorted({e.province_code for e in entries})
    return render(
        request,
        "accountability/catalogue.html",
        {
            "rows": [(e, e.in_force_on(today)) for e in entries],
            "may_edit": any(administration.administers_province(request.user, p) for p in provinces),
        },
    )


@login_required
def subject_history(request, subject_pk):
    subject = jurisdiction.get_in_reach(subjects_visible_to(request.user), pk=subject_pk)
    return render(
        request,
        "accountability/subject_history.html",
        {"subject": subject, "decisions": selectors.history_of_subject(request.user, subject)},
    )

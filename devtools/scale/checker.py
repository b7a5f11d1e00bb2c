"""Checks generated data against the model rules: full_clean (fields, choices and the check / unique
constraints) on a sample of every model, plus the state rules the services keep and the database cannot
hold (a closed report has findings on every allegation, a clarification lists only unsubstantiated
allegations of its subject and is approved by the managing commission, reference numbers match their
counters, search tokens match the text...). Returns a list of problems; empty means all rules hold."""

import random
import re

from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.utils import timezone

from accountability import services as accountability_services
from accountability.models import AccountabilityCase, CaseCounter, Decision, Target
from cases.authority import managing_commission
from cases.models import Allegation, Disposition, ReferenceCounter, Report, Reporter, Subject
from cases.search import tokens_for
from clarification.models import BatchItem, FalseAccusationCase, JointBatch, Recommendation, ReviewOpinion
from core.errors import DomainError

VERIFIED = ("under_verification", "concluded", "closed")
DISPOSITION_FOR = {"held": "hold", "closed_early": "close", "transferred": "transfer"}


def _sample(model, size: int, rng: random.Random):
    bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    if bounds["high"] - bounds["low"] + 1 <= size:
        return list(model.objects.all())
    ids = {rng.randint(bounds["low"], bounds["high"]) for _ in range(size)}
    return list(model.objects.filter(pk__in=ids))


def _clean(obj, problems: list[str]) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        problems.append(
            f"{type(obj).__name__} {obj.pk}: {error.message_dict if hasattr(error, 'error_dict') else error}"
        )


def _check_report(report: Report, problems: list[str]) -> None:
    def bad(message):
        problems.append(f"Report {report.pk} {report.reference}: {message}")

    match = re.fullmatch(r"(.+)-(\d{4})-(\d{6})", report.reference)
    if not match or int(match.group(2)) != report.received_on.year:
        bad("reference does not carry the year received")
    else:
        counter = ReferenceCounter.objects.filter(commission=report.commission_id, year=report.received_on.year).first()
        if counter is None or counter.last < int(match.group(3)):
            bad("reference number beyond its counter")
        if match.group(1) != report.commission.reference_prefix():
            bad("reference prefix is not the commission's")
    if report.received_on > timezone.localdate():
        bad("received in the future")
    allegations = list(report.allegations.select_related("subject"))
    if not allegations:
        bad("no allegation")
    texts = [report.summary, *(a.text for a in allegations), *(a.subject.name for a in allegations)]
    if report.search_tokens != tokens_for(*texts):
        bad("search tokens do not match the text")
    if not Reporter.objects.filter(report=report).exists():
        bad("no reporter")
    dispositions = list(report.dispositions.all())
    pending = [d for d in dispositions if d.decision == "pending"]
    if report.status == "registered" and dispositions:
        bad("registered but has a disposition")
    if report.status == "disposition_proposed" and len(pending) != 1:
        bad("proposed without exactly one pending disposition")
    if report.status in DISPOSITION_FOR and not any(
        d.kind == DISPOSITION_FOR[report.status] and d.decision == "approved" for d in dispositions
    ):
        bad("state without its approved disposition")
    if report.status == "transferred" and not report.transfers.exists():
        bad("transferred without a transfer record")
    if report.status in VERIFIED:
        if not hasattr(report, "verification"):
            bad("verified without a verification")
        if not report.assignments.filter(active=True).exists():
            bad("verified without an assigned investigator")
    if report.status in ("concluded", "closed") and any(not a.finding for a in allegations):
        bad("concluded with an allegation lacking a finding")
    if report.status not in VERIFIED and any(a.finding for a in allegations):
        bad("finding recorded before verification")
    if (report.status == "closed") != bool(report.outcome) and report.status != "concluded":
        bad("outcome does not match the state")
    for allegation in allegations:
        if bool(allegation.finding) != bool(allegation.finding_by_id):
            bad(f"allegation {allegation.pk}: finding without its investigator")


def _check_recommendation(rec: Recommendation, problems: list[str]) -> None:
    def bad(message):
        problems.append(f"Recommendation {rec.pk}: {message}")

    items = list(rec.items.select_related("allegation"))
    if not items:
        bad("no allegation listed")
    for item in items:
        a = item.allegation
        if a.report_id != rec.report_id or a.subject_id != rec.subject_id or a.finding != "unsubstantiated":
            bad(f"lists allegation {a.pk}, which is not an unsubstantiated allegation of its subject")
    if managing_commission(rec.subject).pk != rec.approving_commission_id:
        bad("approving commission is not the managing commission")
    if rec.report.status != "closed" or rec.report.outcome != "clarification":
        bad("report is not closed for clarification")
    if rec.status in ("approved", "executed", "completed"):
        if sorted(i.allegation_id for i in items) != rec.approved_snapshot.get("allegations"):
            bad("approved content differs from the items")
        if ReviewOpinion.objects.filter(recommendation=rec, round=rec.round).count() != 3:
            bad("approved without the three review opinions")
    if rec.status in ("executed", "completed") and not hasattr(rec, "return_visit"):
        bad("executed without a return visit scheduled")
    for item in BatchItem.objects.filter(recommendation=rec).select_related("batch", "batch__city"):
        if not rec.commission.path.startswith(item.batch.city.path):
            bad("in the batch of another city")
        if item.batch.status == "executed" and rec.executed_on != item.batch.executed_on:
            bad("executed on another day than its batch")


def _check_decision(decision: Decision, problems: list[str]) -> None:
    def bad(message):
        problems.append(f"Decision {decision.pk}: {message}")

    # The decision's form and measures by the services' own rules (the measures each form allows are data).
    try:
        accountability_services.decision_fields(
            accountability_services.DecisionInput(
                form=decision.form,
                measures=decision.measures,
                deciding_organ=decision.deciding_organ,
                transfer_organ=decision.transfer_organ,
                transfer_reference=decision.transfer_reference,
            ),
            circumstance=decision.circumstance,
            kind=decision.target_kind,
        )
    except DomainError as error:
        bad(f"{error.code}: {error.message}")
    if decision.circumstance != decision.target.circumstance or decision.target_kind != decision.target.kind:
        bad("differs from its target")
    if managing_commission(decision.target.subject).pk != decision.approving_commission_id:
        bad("approving commission is not the managing commission")
    if decision.status == "in_force" and not (decision.decided_on and decision.approved_by_id):
        bad("in force without approval")


def _check_case(case: AccountabilityCase, problems: list[str]) -> None:
    match = re.fullmatch(r".+-WZ-(\d{4})-(\d{4,})", case.reference)
    counter = CaseCounter.objects.filter(commission=case.commission_id, year=case.initiated_on.year).first()
    if (
        not match
        or int(match.group(1)) != case.initiated_on.year
        or counter is None
        or counter.last < int(match.group(2))
    ):
        problems.append(f"AccountabilityCase {case.pk}: reference does not match its counter")
    if not case.reports.exists() and case.trigger != "other":
        pass  # cases may start without a report; generated ones always have one
    if case.status in ("decided", "implemented", "closed") and not case.decisions.filter(status="in_force").exists():
        problems.append(f"AccountabilityCase {case.pk}: {case.status} without a decision in force")


def _check_false_case(case, problems: list[str]) -> None:
    if not case.allegation.suspected_false or case.allegation.report_id != case.report_id:
        problems.append(f"FalseAccusationCase {case.pk}: allegation not flagged or of another report")


# The models sampled, in this order, each with its checks beyond full_clean (None: full_clean alone).
PLAIN = (Subject, Allegation, Reporter, Disposition, Target, ReviewOpinion, JointBatch, BatchItem)
SAMPLED = [
    *[(model, None) for model in PLAIN],
    (Report, _check_report),
    (Recommendation, _check_recommendation),
    (FalseAccusationCase, _check_false_case),
    (Decision, _check_decision),
    (AccountabilityCase, _check_case),
]


def check_sample(*, size: int = 200, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    problems: list[str] = []
    for model, check in SAMPLED:
        for obj in _sample(model, size, rng):
            _clean(obj, problems)
            if check is not None:
                check(obj, problems)
    return problems

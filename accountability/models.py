import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from accounts.models import Commission, YearCounter
from cases.choices import SubjectKind
from cases.models import Report, Subject

from .choices import (
    Circumstance,
    ComplaintOutcome,
    DecisionStatus,
    Form,
    Measure,
    ReuseResult,
    Status,
    Trigger,
)

User = settings.AUTH_USER_MODEL


class ExemptionEntry(models.Model):
    """One situation of a province's fault-tolerance catalogue (容错免责清单); data, edited in the admin."""

    province_code = models.CharField(
        _("province division code"),
        max_length=12,
        db_index=True,
        help_text=_("Division code of the provincial commission, e.g. 530000 for Yunnan."),
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    in_force_from = models.DateField(_("in force from"))
    in_force_to = models.DateField(_("in force until"), null=True, blank=True)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["province_code", "code"]
        verbose_name = _("exemption catalogue entry")
        verbose_name_plural = _("exemption catalogue entries")
        constraints = [
            models.UniqueConstraint(fields=["province_code", "code"], name="exemption_entry_unique_code"),
            models.CheckConstraint(
                condition=models.Q(in_force_to__isnull=True) | models.Q(in_force_to__gte=models.F("in_force_from")),
                name="exemption_entry_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_title}"

    @property
    def display_title(self) -> str:
        if not (get_language() or "zh-hans").startswith("zh") and self.title_en:
            return self.title_en
        return self.title

    def in_force_on(self, day: datetime.date) -> bool:
        return not self.retired and self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)


class MeasureRule(models.Model):
    """One measure a decision may carry: for a person, within one of the four forms (四种形态); for a party
    organisation, with no form (the four forms apply to people). Data, not code: the rows come from a data migration
    (accountability/migrations/0004_measures_allowed), are reviewed like code, and are read-only in the admin."""

    target_kind = models.CharField(_("target type"), max_length=20, choices=SubjectKind.choices)
    form = models.PositiveSmallIntegerField(_("form"), choices=Form.choices, null=True, blank=True)
    measure = models.CharField(_("measure"), max_length=32, choices=Measure.choices)

    class Meta:
        ordering = ["target_kind", "form", "measure"]
        verbose_name = _("measure allowed")
        verbose_name_plural = _("measures allowed per form")
        constraints = [
            models.UniqueConstraint(
                fields=["target_kind", "form", "measure"],
                condition=models.Q(form__isnull=False),
                name="acc_measure_rule_unique_in_form",
            ),
            models.UniqueConstraint(
                fields=["target_kind", "measure"],
                condition=models.Q(form__isnull=True),
                name="acc_measure_rule_unique_without_form",
            ),
            # People are decided within a form; organisations never are.
            models.CheckConstraint(
                condition=models.Q(target_kind=SubjectKind.PERSON, form__gte=1, form__lte=4)
                | models.Q(target_kind=SubjectKind.ORGANISATION, form__isnull=True),
                name="acc_measure_rule_form_for_people_only",
            ),
        ]

    def __str__(self) -> str:
        form = self.get_form_display() if self.form else self.get_target_kind_display()
        return f"{form} · {self.get_measure_display()}"


class AccountabilityCase(models.Model):
    reference = models.CharField(_("reference number"), max_length=40, unique=True)
    commission = models.ForeignKey(
        Commission, verbose_name=_("handling commission"), on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices, db_index=True)
    facts = models.TextField(_("facts"))
    reports = models.ManyToManyField(
        Report, verbose_name=_("originating reports"), blank=True, related_name="accountability_cases"
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.INITIATED, editable=False
    )
    initiated_on = models.DateField(_("initiated on"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("accountability case")
        verbose_name_plural = _("accountability cases")
        permissions = [("work_accountabilitycase", _("Work on this accountability case (team member)"))]
        indexes = [
            models.Index(fields=["commission", "status", "-id"], name="acc_case_commission_status_idx"),
            models.Index(fields=["commission", "initiated_on"], name="acc_case_commission_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="acc_case_status_known")
        ]

    def __str__(self) -> str:
        return self.reference


class AccountabilityCaseUserObjectPermission(UserObjectPermissionBase):
    """Team grants as a real foreign key, so scoping is an indexed integer subquery."""

    content_object = models.ForeignKey(AccountabilityCase, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseCounter(YearCounter):
    class Meta:
        constraints = [models.UniqueConstraint(fields=["commission", "year"], name="acc_counter_unique")]


class Target(models.Model):
    """One organisation or person held to account in a case, with the "four musts" and the assessment."""

    case = models.ForeignKey(AccountabilityCase, on_delete=models.CASCADE, related_name="targets")
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="accountability_targets"
    )
    # Copied from the subject so statistics count organisations and people without a join.
    kind = models.CharField(_("kind"), max_length=20, choices=SubjectKind.choices, db_index=True, editable=False)
    # The four musts (四个必须).
    statement = models.TextField(_("own statement"), blank=True)
    unit_opinion = models.TextField(_("opinion of the unit's party organisation"), blank=True)
    department_opinion = models.TextField(_("opinion of the superior business department"), blank=True)
    effect_assessment = models.TextField(_("assessment of the expected effect"), blank=True)
    # The three distinctions (三个区分开来).
    motive = models.TextField(_("motive"), blank=True)
    attitude = models.TextField(_("attitude"), blank=True)
    performance = models.TextField(_("consistent performance"), blank=True)
    loss_recovery = models.TextField(_("recovery of losses"), blank=True)
    circumstance = models.CharField(
        _("circumstance"), max_length=12, choices=Circumstance.choices, blank=True, db_index=True, editable=False
    )
    exemption_entries = models.ManyToManyField(
        ExemptionEntry, verbose_name=_("catalogue entries cited"), blank=True, related_name="targets"
    )
    exemption_reasons = models.TextField(_("reasons for exemption"), blank=True)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("accountability target")
        verbose_name_plural = _("accountability targets")
        constraints = [models.UniqueConstraint(fields=["case", "subject"], name="acc_target_unique")]

    def __str__(self) -> str:
        return str(self.subject)

    @property
    def four_musts_complete(self) -> bool:
        return all(
            (value or "").strip()
            for value in (self.statement, self.unit_opinion, self.department_opinion, self.effect_assessment)
        )


class Decision(models.Model):
    """A decision on one target. A correction is a new decision pointing at the one it replaces."""

    case = models.ForeignKey(AccountabilityCase, on_delete=models.CASCADE, related_name="decisions")
    # The case's handling commission, copied (save() sets it; on PostgreSQL a foreign key on (case, commission)
    # holds it equal to the case's) so that scoping and work lists filter the decisions by an index of their own
    # rather than through a join on the cases of a whole county (bench/results/README.md).
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="+", editable=False)
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="decisions")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DecisionStatus.choices,
        default=DecisionStatus.PROPOSED,
        db_index=True,
        editable=False,
    )
    form = models.PositiveSmallIntegerField(_("form"), choices=Form.choices, null=True, blank=True, db_index=True)
    measures = models.JSONField(_("measures"), default=list, blank=True)
    circumstance = models.CharField(
        _("circumstance"), max_length=12, choices=Circumstance.choices, db_index=True, editable=False
    )
    target_kind = models.CharField(max_length=20, choices=SubjectKind.choices, db_index=True, editable=False)
    reasons = models.TextField(_("reasons"), blank=True)
    deciding_organ = models.CharField(_("deciding organ"), max_length=150)
    transfer_organ = models.CharField(_("judicial organ transferred to"), max_length=150, blank=True)
    transfer_reference = models.CharField(_("transfer document number"), max_length=60, blank=True)
    approving_commission = models.ForeignKey(
        Commission,
        verbose_name=_("approving commission"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The commission with management authority over the target."),
    )
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("decided on"), null=True, blank=True, db_index=True)
    # The decided_on of the original decision of the chain (a correction keeps it): the statistics count a person
    # held to account in the month the accountability first took effect, whatever corrections follow.
    first_decided_on = models.DateField(_("first took effect on"), null=True, blank=True, db_index=True, editable=False)
    notified_on = models.DateField(_("notified on"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)
    influence_ends_on = models.DateField(_("influence period ends"), null=True, blank=True, db_index=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("corrects decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    reuse_result = models.CharField(
        _("re-use review"), max_length=12, choices=ReuseResult.choices, blank=True, editable=False
    )
    reuse_notes = models.TextField(_("re-use review notes"), blank=True, editable=False)
    reuse_reviewed_on = models.DateField(_("re-use reviewed on"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("accountability decision")
        verbose_name_plural = _("accountability decisions")
        indexes = [
            models.Index(fields=["status", "influence_ends_on"], name="acc_decision_influence_idx"),
            # "May be used again" reviews waiting, soonest first, for the handling and for the approving commission
            # (accountability.selectors.accountability_work_for).
            models.Index(
                fields=["commission", "influence_ends_on", "id"],
                condition=models.Q(status="in_force", reuse_reviewed_on__isnull=True),
                name="acc_decision_review_due_idx",
            ),
            models.Index(
                fields=["approving_commission", "influence_ends_on", "id"],
                condition=models.Q(status="in_force", reuse_reviewed_on__isnull=True),
                name="acc_decision_review_appr_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(form__isnull=True) | models.Q(form__gte=1, form__lte=4), name="acc_decision_form"
            ),
            # A fourth-form decision always carries its transfer record.
            models.CheckConstraint(
                condition=~models.Q(form=4) | (~models.Q(transfer_organ="") & ~models.Q(transfer_reference="")),
                name="acc_decision_fourth_form_transfer",
            ),
            models.UniqueConstraint(
                fields=["target"],
                condition=models.Q(status__in=["proposed", "in_force"]),
                name="acc_decision_one_active_per_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.target}"

    def save(self, *args, **kwargs):
        if self.commission_id is None:
            self.commission_id = self.case.commission_id
        super().save(*args, **kwargs)

    def measure_labels(self) -> list[str]:
        from .choices import Measure

        return [str(Measure(m).label) for m in self.measures if m in Measure.values]


class FollowUpVisit(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="visits")
    # The decision's handling commission, copied for the same reason as Decision.commission.
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="+", editable=False)
    due_on = models.DateField(_("due on"), db_index=True)
    done_on = models.DateField(_("visited on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    visited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        # Visits not yet made, soonest first (accountability.selectors.accountability_work_for).
        indexes = [
            models.Index(
                fields=["commission", "due_on", "id"],
                condition=models.Q(done_on__isnull=True),
                name="acc_visit_open_idx",
            )
        ]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def save(self, *args, **kwargs):
        if self.commission_id is None:
            self.commission_id = self.decision.commission_id
        super().save(*args, **kwargs)


class Complaint(models.Model):
    """A complaint (申诉) by the organisation or person held to account against one decision."""

    case = models.ForeignKey(AccountabilityCase, on_delete=models.CASCADE, related_name="complaints")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="complaints")
    received_on = models.DateField(_("received on"))
    grounds = models.TextField(_("grounds of the complaint"))
    deadline = models.DateField(_("complaint deadline"))
    late = models.BooleanField(_("late"), default=False, editable=False)
    late_reasons = models.TextField(_("reasons for accepting a late complaint"), blank=True)
    late_accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    review_opinion = models.TextField(_("review opinion"), blank=True, editable=False)
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=ComplaintOutcome.choices, blank=True, editable=False
    )
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ComplaintOutcome.choices, blank=True, db_index=True, editable=False
    )
    outcome_reasons = models.TextField(_("reasons for the outcome"), blank=True, editable=False)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(late=False) | ~models.Q(late_reasons=""), name="acc_complaint_late_has_reasons"
            ),
            models.UniqueConstraint(
                fields=["decision"], condition=models.Q(outcome=""), name="acc_complaint_one_open_per_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.decision.target}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission
from cases.models import Allegation, Feedback, Report, Reporter, Subject

from .choices import (
    MEASURE_SUBKINDS,
    REVIEW_OFFICES,
    AccuserClass,
    Audience,
    BatchStatus,
    FalseCaseStatus,
    FalseMeans,
    MeasureKind,
    MeasureStatus,
    Method,
    Opinion,
    Status,
)

User = settings.AUTH_USER_MODEL
_DONE = [Status.EXECUTED, Status.COMPLETED]
_APPROVED_OR_LATER = [Status.APPROVED, *_DONE]


class Recommendation(models.Model):
    """A recommendation to clear one subject's name of the allegations a verification found untrue."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="clarifications"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="clarifications"
    )
    commission = models.ForeignKey(
        Commission, verbose_name=_("handling commission"), on_delete=models.PROTECT, related_name="+"
    )
    approving_commission = models.ForeignKey(
        Commission,
        verbose_name=_("approving commission"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The commission at the level that manages the subject."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    round = models.PositiveSmallIntegerField(_("review round"), default=1, editable=False)
    allegations = models.ManyToManyField(
        Allegation, through="RecommendationItem", verbose_name=_("allegations to clarify"), related_name="+"
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    audience = models.CharField(_("audience scope"), max_length=10, choices=Audience.choices)
    statement = models.TextField(_("statement"))
    subject_wishes = models.BooleanField(_("the person wishes to be clarified"), default=True)
    drafted_by = models.ForeignKey(User, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons of the last decision"), blank=True)
    approved_snapshot = models.JSONField(
        _("approved content"), default=dict, blank=True, editable=False, help_text=_("Frozen at approval.")
    )
    executed_on = models.DateField(_("executed on"), null=True, blank=True)
    execution_place = models.CharField(_("place"), max_length=200, blank=True)
    execution_participants = models.TextField(_("participants"), blank=True)
    execution_method = models.CharField(_("method used"), max_length=20, choices=Method.choices, blank=True)
    execution_audience = models.CharField(_("audience reached"), max_length=10, choices=Audience.choices, blank=True)
    executed_by = models.ForeignKey(
        User, verbose_name=_("execution recorded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_feedback = models.OneToOneField(
        Feedback,
        verbose_name=_("feedback to the reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clarification",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("clarification recommendation")
        verbose_name_plural = _("clarification recommendations")
        indexes = [
            models.Index(fields=["commission", "status", "-id"], name="clar_commission_status_idx"),
            models.Index(fields=["approving_commission", "status"], name="clar_approver_status_idx"),
            models.Index(fields=["executed_on"], name="clar_executed_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="clar_status_known"),
            models.CheckConstraint(condition=models.Q(method__in=Method.values), name="clar_method_known"),
            models.CheckConstraint(condition=models.Q(audience__in=Audience.values), name="clar_audience_known"),
            # One live recommendation per subject of a report; a rejected one leaves room for a new draft.
            models.UniqueConstraint(
                fields=["report", "subject"],
                condition=~models.Q(status="rejected"),
                name="clar_one_live_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(executed_on__isnull=True) | models.Q(status__in=_DONE),
                name="clar_executed_only_when_done",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=_DONE) | models.Q(executed_on__isnull=False),
                name="clar_done_has_execution",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=_APPROVED_OR_LATER) | models.Q(decided_at__isnull=False),
                name="clar_approved_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"CQ-{self.pk:06d}" if self.pk else "CQ-new"

    @property
    def is_frozen(self) -> bool:
        return self.status != Status.DRAFT


class RecommendationItem(models.Model):
    """One allegation listed for clarification; the service admits only unsubstantiated ones of the subject."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="items")
    allegation = models.ForeignKey(Allegation, on_delete=models.PROTECT, related_name="clarification_items")

    class Meta:
        ordering = ["allegation_id"]
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "allegation"], name="clar_item_unique"),
        ]


class EvaluativePhrase(models.Model):
    """A phrase that evaluates the person as a whole, which a clarification statement must not carry (DESIGN.md §2).

    Data kept per province by that province's administrators; a province with no phrases of its own is checked
    against clarification.statement.DEFAULT_EVALUATIVE_PHRASES."""

    province_code = models.CharField(
        _("province division code"),
        max_length=12,
        db_index=True,
        help_text=_("Division code of the provincial commission, e.g. 530000 for Yunnan."),
    )
    phrase = models.CharField(_("phrase"), max_length=40)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["province_code", "phrase"]
        verbose_name = _("evaluative phrase")
        verbose_name_plural = _("evaluative phrases")
        constraints = [
            models.UniqueConstraint(fields=["province_code", "phrase"], name="clar_phrase_unique"),
            models.CheckConstraint(condition=~models.Q(phrase=""), name="clar_phrase_not_empty"),
        ]

    def __str__(self) -> str:
        return self.phrase


class StatementOverride(models.Model):
    """The approving supervisor lets a statement go on although it goes beyond the limits, with a reason.

    It covers exactly the text it was given for: an edited statement is checked again."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="statement_overrides")
    statement = models.TextField(_("statement overridden"))
    problems = models.JSONField(_("problems overridden"), default=list)
    reason = models.TextField(_("reason"))
    given_by = models.ForeignKey(User, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("given at"))

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("statement override")
        verbose_name_plural = _("statement overrides")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="clar_override_has_reason"),
        ]


class ReviewOpinion(models.Model):
    """One office's opinion in one round of the centralised review."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="opinions")
    round = models.PositiveSmallIntegerField(_("review round"))
    office = models.CharField(_("office"), max_length=20, choices=[(k.value, k.label) for k in REVIEW_OFFICES])
    opinion = models.CharField(_("opinion"), max_length=10, choices=Opinion.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["round", "office"]
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "round", "office"], name="clar_opinion_one_per_office"),
            models.CheckConstraint(
                condition=models.Q(office__in=[k.value for k in REVIEW_OFFICES]), name="clar_opinion_office_known"
            ),
            models.CheckConstraint(
                condition=models.Q(opinion="agree") | ~models.Q(reasons=""), name="clar_disagree_has_reasons"
            ),
        ]


class ReturnVisit(models.Model):
    """The return visit (回访) to a clarified cadre, scheduled when the clarification is executed."""

    recommendation = models.OneToOneField(Recommendation, on_delete=models.CASCADE, related_name="return_visit")
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        indexes = [models.Index(fields=["visited_on", "due_on"], name="clar_visit_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visited_on__isnull=True) | ~models.Q(notes=""), name="clar_visit_has_notes"
            )
        ]


class JointBatch(models.Model):
    """The monthly city-county joint clarification (市县联动) of one municipal commission: it groups the
    clarifications each commission carries out and records itself."""

    city = models.ForeignKey(Commission, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.BUILT, editable=False
    )
    built_at = models.DateTimeField(_("built at"))
    built_by = models.ForeignKey(
        User, verbose_name=_("built by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recommendations = models.ManyToManyField(Recommendation, through="BatchItem", related_name="batches")
    # Each clarification records its own execution (DESIGN.md §6 "one record per act"); the batch is carried
    # out on the day its last one is.
    executed_on = models.DateField(
        _("carried out on"),
        null=True,
        blank=True,
        help_text=_("The day the last of its clarifications was carried out."),
    )

    class Meta:
        ordering = ["-month", "city__path"]
        verbose_name = _("joint clarification batch")
        verbose_name_plural = _("joint clarification batches")
        constraints = [
            models.UniqueConstraint(fields=["city", "month"], name="clar_batch_one_per_city_month"),
            models.CheckConstraint(
                condition=models.Q(status="built", executed_on__isnull=True)
                | models.Q(status="executed", executed_on__isnull=False),
                name="clar_batch_executed_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.month:%Y-%m}"


class BatchItem(models.Model):
    """A clarification listed in one batch at a time: one not carried out moves on to the next month's batch."""

    batch = models.ForeignKey(JointBatch, on_delete=models.CASCADE, related_name="items")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="batch_items")
    county = models.ForeignKey(Commission, verbose_name=_("commission"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    carried_from = models.DateField(
        _("carried over from"),
        null=True,
        blank=True,
        help_text=_("The month of the batch it was listed in before, when it was not carried out there."),
    )

    class Meta:
        ordering = ["county__path", "method", "recommendation_id"]
        constraints = [
            models.UniqueConstraint(fields=["recommendation"], name="clar_batch_item_one_batch"),
        ]


class FalseAccusationCase(models.Model):
    """A case against the accuser (诬告陷害), opened from an allegation flagged as a suspected false accusation."""

    allegation = models.ForeignKey(
        Allegation, verbose_name=_("allegation"), on_delete=models.PROTECT, related_name="false_accusation_cases"
    )
    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="+")
    commission = models.ForeignKey(Commission, verbose_name=_("commission"), on_delete=models.PROTECT, related_name="+")
    # A reference to the protected identity, never a copy of it: pages show the pseudonym unless allowed.
    accuser = models.ForeignKey(
        Reporter, verbose_name=_("accuser"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accuser_class = models.CharField(_("accuser's identity class"), max_length=20, choices=AccuserClass.choices)
    means = models.CharField(_("means"), max_length=20, choices=FalseMeans.choices)
    means_notes = models.TextField(_("means in detail"), blank=True)
    aggravations = models.JSONField(_("aggravating circumstances"), default=list, blank=True)
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("clarification of the accused"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="false_accusation_cases",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FalseCaseStatus.choices, default=FalseCaseStatus.OPEN, editable=False
    )
    opened_by = models.ForeignKey(User, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("false accusation case")
        verbose_name_plural = _("false accusation cases")
        constraints = [
            models.UniqueConstraint(fields=["allegation"], name="false_case_one_per_allegation"),
            models.CheckConstraint(condition=models.Q(means__in=FalseMeans.values), name="false_case_means_known"),
            models.CheckConstraint(
                condition=models.Q(accuser_class__in=AccuserClass.values), name="false_case_class_known"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"WG-{self.pk:06d}" if self.pk else "WG-new"


_SUBKIND_RULE = models.Q()
for _kind, _choices in MEASURE_SUBKINDS.items():
    _SUBKIND_RULE |= models.Q(kind=_kind.value, subkind__in=_choices.values)


class Measure(models.Model):
    """One handling step of a false-accusation case, approved by a supervisor before it counts."""

    case = models.ForeignKey(FalseAccusationCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=20, choices=MeasureKind.choices)
    subkind = models.CharField(_("type"), max_length=30)
    details = models.TextField(_("details"), help_text=_("What was decided, sent or recommended."))
    counterpart = models.CharField(
        _("addressed to"), max_length=200, blank=True, help_text=_("The organ or organisation in charge.")
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    follow_up = models.TextField(_("answer or follow-up"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PROPOSED, editable=False
    )
    proposed_by = models.ForeignKey(User, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("handling measure")
        verbose_name_plural = _("handling measures")
        constraints = [
            models.CheckConstraint(condition=_SUBKIND_RULE, name="false_measure_subkind_matches"),
        ]

    def get_subkind_display(self) -> str:
        choices = MEASURE_SUBKINDS.get(self.kind)
        return str(choices(self.subkind).label) if choices and self.subkind in choices.values else self.subkind

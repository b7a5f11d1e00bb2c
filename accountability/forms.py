"""Forms of the accountability pages. They validate shapes; the services decide what is allowed."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission, User
from cases.choices import SubjectKind

from .choices import Circumstance, ComplaintOutcome, Form, Measure, ReuseResult, Trigger

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def _any(choices):
    return [("", _("Any"))] + list(choices)


class CaseFilterForm(forms.Form):
    """The form of the case list's FilterSet (accountability/filters.py), whose filters are its fields."""

    field_order = ["status", "trigger", "form", "target_kind", "commission", "initiated_from", "initiated_to"]


class CaseInitiateForm(forms.Form):
    commission = forms.ModelChoiceField(label=_("Handling commission"), queryset=Commission.objects.none())
    trigger = forms.ChoiceField(label=_("Trigger"), choices=Trigger.choices)
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea)
    subjects = forms.ModelMultipleChoiceField(
        label=_("Organisations and people held to account"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose an organisation together with its leaders."),
    )
    reports = forms.CharField(
        label=_("Originating reports"),
        required=False,
        help_text=_("Reference numbers, separated by spaces or commas."),
    )
    team = forms.ModelMultipleChoiceField(
        label=_("Team"), required=False, queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 5})
    )
    initiated_on = forms.DateField(label=_("Initiated on"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, commissions, subjects, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commission"].queryset = commissions
        self.fields["subjects"].queryset = subjects
        self.fields["team"].queryset = team
        if commissions.count() == 1:
            self.fields["commission"].initial = commissions.first()

    def report_references(self) -> list[str]:
        raw = self.cleaned_data.get("reports") or ""
        return [part for part in raw.replace(",", " ").replace("，", " ").split() if part]


class TeamForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Investigator or reviewer"), queryset=User.objects.none())

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class FourMustsForm(forms.Form):
    statement = forms.CharField(label=_("Own statement"), required=False, widget=TEXT)
    unit_opinion = forms.CharField(label=_("Opinion of the unit's party organisation"), required=False, widget=TEXT)
    department_opinion = forms.CharField(
        label=_("Opinion of the superior business department"), required=False, widget=TEXT
    )
    effect_assessment = forms.CharField(label=_("Assessment of the expected effect"), required=False, widget=TEXT)


class AssessmentForm(forms.Form):
    motive = forms.CharField(label=_("Motive"), widget=TEXT)
    attitude = forms.CharField(label=_("Attitude"), widget=TEXT)
    performance = forms.CharField(label=_("Consistent performance"), widget=TEXT)
    loss_recovery = forms.CharField(label=_("Recovery of losses"), widget=TEXT)
    circumstance = forms.ChoiceField(label=_("Circumstance"), choices=Circumstance.choices)
    exemption_entries = forms.ModelMultipleChoiceField(
        label=_("Catalogue entries cited (exemption only)"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    exemption_reasons = forms.CharField(label=_("Reasons for exemption"), required=False, widget=TEXT)

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exemption_entries"].queryset = entries


class DecisionForm(forms.Form):
    form = forms.TypedChoiceField(
        label=_("Form"),
        required=False,
        choices=[("", _("None (no accountability or exemption)"))] + Form.choices,
        coerce=int,
        empty_value=None,
    )
    measures = forms.MultipleChoiceField(
        label=_("Measures"), required=False, choices=Measure.choices, widget=forms.CheckboxSelectMultiple
    )
    deciding_organ = forms.CharField(label=_("Deciding organ"), max_length=150)
    reasons = forms.CharField(label=_("Reasons"), required=False, widget=TEXT)
    transfer_organ = forms.CharField(label=_("Judicial organ transferred to (fourth form)"), required=False)
    transfer_reference = forms.CharField(label=_("Transfer document number (fourth form)"), required=False)

    def __init__(self, *args, kind: str = SubjectKind.PERSON, rules: dict | None = None, **kwargs):
        """Offer the measures the rules (data) allow for this kind of target; every measure still parses, so a
        measure outside its form reaches the service, which refuses it and says why."""
        super().__init__(*args, **kwargs)
        rules = rules or {}
        labels = dict(Measure.choices)
        if kind == SubjectKind.ORGANISATION:
            shown = rules.get((kind, None), [])
            for name in ("form", "transfer_organ", "transfer_reference"):
                self.fields[name].widget = forms.HiddenInput()
            self.fields["measures"].help_text = _(
                "The four forms apply to people: a party organisation gets the measures for organisations and no form."
            )
        else:
            shown = list(dict.fromkeys(m for form in Form.values for m in rules.get((kind, form), [])))
            self.fields["measures"].help_text = " · ".join(
                str(_("%(form)s: %(measures)s"))
                % {"form": Form(form).label, "measures": "、".join(str(labels[m]) for m in rules[(kind, form)])}
                for form in Form.values
                if rules.get((kind, form))
            )
        self.fields["measures"].widget.choices = [(value, labels[value]) for value in shown]


class ApproveForm(forms.Form):
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE, initial=timezone.localdate)
    notified_on = forms.DateField(
        label=_("Notified on"),
        widget=DATE,
        initial=timezone.localdate,
        help_text=_("The complaint period runs from this day."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class ImplementForm(forms.Form):
    implemented_on = forms.DateField(label=_("Implemented on"), widget=DATE, initial=timezone.localdate)


class ComplaintForm(forms.Form):
    decision = forms.ModelChoiceField(label=_("Decision complained about"), queryset=None)
    received_on = forms.DateField(label=_("Received on"), widget=DATE, initial=timezone.localdate)
    grounds = forms.CharField(label=_("Grounds of the complaint"), widget=forms.Textarea)
    accept_late = forms.BooleanField(label=_("Accept a late complaint (supervisors)"), required=False)
    late_reasons = forms.CharField(label=_("Reasons for accepting it late"), required=False, widget=TEXT)

    def __init__(self, *args, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions
        self.fields["decision"].label_from_instance = lambda d: (
            f"{d.target} · {d.get_form_display() or d.get_circumstance_display()}"
        )
        if decisions.count() == 1:
            self.fields["decision"].initial = decisions.first()


class ReviewForm(forms.Form):
    opinion = forms.CharField(label=_("Review opinion"), widget=forms.Textarea)
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=ComplaintOutcome.choices)


class ResolveForm(DecisionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ComplaintOutcome.choices)
    outcome_reasons = forms.CharField(label=_("Reasons for the outcome"), widget=TEXT)
    circumstance = forms.ChoiceField(
        label=_("Circumstance of the corrected decision"),
        required=False,
        choices=[("", _("Unchanged"))] + Circumstance.choices,
    )
    field_order = ["outcome", "outcome_reasons", "circumstance", "form", "measures", "deciding_organ", "reasons"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deciding_organ"].required = False
        self.fields["deciding_organ"].help_text = _("Only for a changed decision.")


class ReuseForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=ReuseResult.choices)
    notes = forms.CharField(label=_("Performance during the influence period"), widget=TEXT)


class VisitForm(forms.Form):
    done_on = forms.DateField(label=_("Visited on"), widget=DATE, initial=timezone.localdate)
    notes = forms.CharField(label=_("Notes"), widget=TEXT)

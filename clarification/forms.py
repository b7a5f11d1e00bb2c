"""Forms of the clarification pages. They validate shapes; the services decide what is allowed."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission
from cases.choices import FeedbackMethod
from cases.models import Allegation
from core.forms import PreselectSingleChoice

from .choices import (
    MEASURE_SUBKINDS,
    REVIEW_OFFICES,
    AccuserClass,
    Aggravation,
    Audience,
    FalseMeans,
    MeasureKind,
    Method,
    Opinion,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecommendationForm(forms.Form):
    subject = forms.TypedChoiceField(label=_("Subject"), coerce=int, widget=forms.RadioSelect)
    allegations = forms.TypedMultipleChoiceField(
        label=_("Allegations to clarify"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only allegations found unsubstantiated can be listed."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, initial=Method.MEETING)
    audience = forms.ChoiceField(label=_("Audience scope"), choices=Audience.choices, initial=Audience.UNIT)
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Leave empty to draft it from the listed allegations. State the verification result only."),
    )
    subject_wishes = forms.BooleanField(label=_("The person wishes to be clarified"), required=False, initial=True)

    def __init__(self, *args, subjects=(), allegations=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [(s.pk, str(s)) for s in subjects]
        self.fields["allegations"].choices = [(a.pk, f"{a.subject.name}：{a.text}") for a in allegations]
        if editing:
            del self.fields["subject"]
            self.fields["statement"].required = True
            self.fields["statement"].help_text = _("State the verification result only.")

    def draft(self) -> dict:
        """The draft as recommendation_draft and recommendation_update take it."""
        data = self.cleaned_data
        return {
            "allegations": Allegation.objects.filter(pk__in=data["allegations"]),
            "method": data["method"],
            "audience": data["audience"],
            "statement_text": data["statement"],
            "subject_wishes": data["subject_wishes"],
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReviewForm(forms.Form):
    office = forms.ChoiceField(label=_("Office"), choices=[(k.value, k.label) for k in REVIEW_OFFICES])
    opinion = forms.ChoiceField(label=_("Opinion"), choices=Opinion.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when disagreeing."),
    )


class ItemExecuteForm(forms.Form):
    """The execution of a clarification listed in a joint batch: the approved method and audience are frozen."""

    executed_on = forms.DateField(label=_("Executed on"), widget=DATE, initial=timezone.localdate)
    place = forms.CharField(label=_("Place"), max_length=200)
    participants = forms.CharField(label=_("Participants"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BatchItemExecuteForm(ItemExecuteForm):
    recommendation = forms.IntegerField(widget=forms.HiddenInput)


class ExecuteForm(ItemExecuteForm):
    # Optional: left out, the approved ones apply (the only ones a clarification in a joint batch may use).
    method_used = forms.ChoiceField(label=_("Method used"), choices=Method.choices, required=False)
    audience_reached = forms.ChoiceField(label=_("Audience reached"), choices=Audience.choices, required=False)
    visit_due_on = forms.DateField(
        label=_("Return visit due on"),
        required=False,
        widget=DATE,
        help_text=_("Three months after the execution if left empty."),
    )


class ReturnVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE, initial=timezone.localdate)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackForm(forms.Form):
    text = forms.CharField(label=_("What the reporter was told"), widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(label=_("How"), choices=FeedbackMethod.choices)
    given_on = forms.DateField(label=_("When"), widget=DATE, initial=timezone.localdate)


class BatchBuildForm(PreselectSingleChoice, forms.Form):
    city = forms.ModelChoiceField(label=_("City"), queryset=Commission.objects.none())
    month = forms.CharField(
        label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}), help_text=_("Defaults to this month.")
    )

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = Commission.objects.filter(pk__in=[c.pk for c in cities])
        self.fields["month"].initial = timezone.localdate().strftime("%Y-%m")

    def clean_month(self):
        import datetime

        try:
            return datetime.date.fromisoformat(f"{self.cleaned_data['month']}-01")
        except ValueError as error:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from error


class FalseCaseForm(forms.Form):
    accuser_known = forms.BooleanField(
        label=_("The accuser is the reporter of this report"),
        required=False,
        help_text=_("Leave unticked when the accuser is unknown (anonymous report)."),
    )
    accuser_class = forms.ChoiceField(label=_("Accuser's identity class"), choices=AccuserClass.choices)
    means = forms.ChoiceField(label=_("Means"), choices=FalseMeans.choices)
    means_notes = forms.CharField(label=_("Means in detail"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    aggravations = forms.MultipleChoiceField(
        label=_("Aggravating circumstances"),
        choices=Aggravation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _subkind_choices():
    choices = []
    for kind, subkinds in MEASURE_SUBKINDS.items():
        choices.append((str(kind.label), [(value, label) for value, label in subkinds.choices]))
    return choices


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    subkind = forms.ChoiceField(label=_("Type"), choices=_subkind_choices)
    details = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was decided, sent or recommended."),
    )
    counterpart = forms.CharField(
        label=_("Addressed to"),
        required=False,
        help_text=_("The organ or organisation in charge (transfers and corrections)."),
    )
    sent_on = forms.DateField(label=_("Sent on"), required=False, widget=DATE)


class FollowUpForm(forms.Form):
    follow_up = forms.CharField(label=_("Answer or follow-up"), widget=forms.Textarea(attrs={"rows": 2}))

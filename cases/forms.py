"""Forms of the staff pages. They validate shapes; the services decide what is allowed."""

import uuid

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission, User
from core.errors import DomainError
from core.widgets import fast_selects

from .choices import (
    Area,
    AttachmentKind,
    Category,
    Channel,
    DispositionKind,
    FalseGround,
    FeedbackMethod,
    Finding,
    OrganisationKind,
    Rank,
    SubjectKind,
)
from .contact import check_id_number, check_phone
from .limits import PLACE_MAX_LENGTH, SUMMARY_MAX_LENGTH


def field_check(check, value):
    """A service check as a form field's validation, so the form names the field with the service's message."""
    try:
        return check(value)
    except DomainError as error:
        raise forms.ValidationError(error.message, code=error.code) from error


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        from .services.attachments import browser_check

        return super().get_context(name, value, {**browser_check(), **(attrs or {})})


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [d for d in data if d] if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > settings.MAX_UPLOAD_FILES:
            from .services.attachments import too_many_message

            raise forms.ValidationError(too_many_message())
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(d, initial) for d in files]


class CommissionChoices(BaseChoiceIterator):
    """The options of a commission select as (id, name) pairs read when it is rendered: building a Commission for
    each of a province's 150 options was most of the report list's filter form."""

    def __init__(self, field: forms.ModelChoiceField):
        self.field = field

    def __iter__(self):
        if self.field.empty_label is not None:
            yield "", self.field.empty_label
        language = get_language()
        for pk, name_zh, name_en in self.field.queryset.values_list("pk", "name_zh", "name_en"):
            yield pk, Commission.name_in_language(name_zh, name_en, language)


class ReportFilterForm(forms.Form):
    """The form of the report list's FilterSet (cases/filters.py), whose filters are its fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        commission = self.fields.get("commission")
        if isinstance(commission, forms.ModelChoiceField):
            commission.widget.choices = CommissionChoices(commission)
        fast_selects(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        return cleaned


class ReportListForm(ReportFilterForm):
    """The report list page's form: the filters and the page's order."""

    SORTS = [
        ("-id", _("Newest registered")),
        ("id", _("Oldest registered")),
        ("-received_on", _("Received, newest first")),
        ("received_on", _("Received, oldest first")),
    ]
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)
    # The page's and the export center's order of the fields.
    field_order = ["q", "status", "channel", "area", "commission", "received_from", "received_to", "subject", "overdue"]


class ReportForm(forms.Form):
    commission = forms.ModelChoiceField(label=_("Handling commission"), queryset=Commission.objects.none())
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    area = forms.ChoiceField(label=_("Livelihood area"), choices=Area.choices, initial=Area.OTHER)
    summary = forms.CharField(
        label=_("Summary"), max_length=SUMMARY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_anonymous = forms.BooleanField(label=_("Anonymous reporter"), required=False)
    reporter_name = forms.CharField(label=_("Reporter's name"), required=False, max_length=100)
    reporter_phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    reporter_id_number = forms.CharField(label=_("ID number"), required=False, max_length=30)
    reporter_address = forms.CharField(label=_("Address"), required=False, max_length=200)
    reporter_relation = forms.CharField(
        label=_("Relation to the subject"),
        required=False,
        max_length=100,
        help_text=_(
            "For example: employee of a bidding company. Protected like the identity: stored encrypted and shown only "
            "where the identity may be seen."
        ),
    )
    files = MultipleFileField(label=_("Attachments"))
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    # Set when the user confirms, after the warning, that this report repeats an earlier one.
    repeat_of = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, commissions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commissions is not None:
            self.fields["commission"].queryset = commissions
            if commissions.count() == 1:
                self.fields["commission"].initial = commissions.first().pk
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return value

    def clean_reporter_phone(self):
        return field_check(check_phone, self.cleaned_data["reporter_phone"])

    def clean_reporter_id_number(self):
        return field_check(check_id_number, self.cleaned_data["reporter_id_number"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_anonymous") and not (cleaned.get("reporter_name") or "").strip():
            self.add_error("reporter_name", _("A named reporter needs a name; otherwise mark the report anonymous."))
        return cleaned


class AllegationForm(forms.Form):
    subject_id = forms.IntegerField(required=False, widget=forms.HiddenInput(attrs={"class": "subject-id"}))
    subject_label = forms.CharField(
        label=_("Existing subject"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "subject-search",
                "placeholder": _("Type a name to search the registry"),
                "autocomplete": "off",
            }
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SubjectKind.choices, initial=SubjectKind.PERSON)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    position = forms.CharField(label=_("Position"), required=False, max_length=100)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=150)
    rank = forms.ChoiceField(label=_("Management level"), required=False, choices=[("", "—")] + Rank.choices)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    organisation_kind = forms.ChoiceField(
        label=_("Organisation kind"), required=False, choices=[("", "—")] + OrganisationKind.choices
    )
    category = forms.ChoiceField(label=_("Discipline category"), choices=Category.choices)
    text = forms.CharField(label=_("Allegation"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("subject_id") and not (cleaned.get("name") or "").strip():
            raise forms.ValidationError(_("Choose a subject from the registry or enter a new one."))
        if cleaned.get("kind") == SubjectKind.ORGANISATION and not cleaned.get("organisation_kind"):
            cleaned["organisation_kind"] = OrganisationKind.UNIT
        return cleaned


AllegationFormSet = forms.formset_factory(AllegationForm, extra=0, min_num=1, validate_min=True, max_num=30)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DispositionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Disposition"), choices=DispositionKind.choices)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 2}))
    transfer_to = forms.ModelChoiceField(
        label=_("Transfer to commission"), required=False, queryset=Commission.objects.all()
    )
    transfer_organ = forms.CharField(label=_("or to organ"), required=False, max_length=150)


class VerificationForm(forms.Form):
    investigators = forms.ModelMultipleChoiceField(
        label=_("Investigators of this commission"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    # Picked on the page from a search of the supervisor's reach (selectors.investigators_in_reach); any active
    # user id is accepted here, as in the API: the service decides who may be assigned.
    others = forms.ModelMultipleChoiceField(
        label=_("Investigators from other commissions"),
        required=False,
        queryset=User.objects.filter(is_active=True),
        widget=forms.MultipleHiddenInput,
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["investigators"].queryset = candidates

    def chosen(self) -> list:
        return list(self.cleaned_data.get("investigators") or []) + list(self.cleaned_data.get("others") or [])


class AssignForm(forms.Form):
    # Picked on the page from a search of the supervisor's reach (selectors.investigators_in_reach), as when the
    # verification starts; the service decides who may be assigned.
    investigators = forms.ModelMultipleChoiceField(
        label=_("Investigators to add"),
        queryset=User.objects.filter(is_active=True),
        widget=forms.MultipleHiddenInput,
    )


class UnassignForm(forms.Form):
    investigator = forms.ModelChoiceField(queryset=User.objects.all(), widget=forms.HiddenInput)


class FindingForm(forms.Form):
    allegation = forms.IntegerField(widget=forms.HiddenInput)
    # No finding is preselected: saving the form untouched must not record "substantiated" (it is refused as empty).
    finding = forms.ChoiceField(label=_("Finding"), choices=[("", "—"), *Finding.choices])
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    suspected_false = forms.BooleanField(label=_("Suspected false accusation"), required=False)
    false_grounds = forms.ChoiceField(label=_("Grounds"), required=False, choices=[("", "—")] + FalseGround.choices)
    false_grounds_notes = forms.CharField(label=_("Grounds in detail"), required=False)


class FeedbackForm(forms.Form):
    text = forms.CharField(label=_("What was told"), widget=forms.Textarea(attrs={"rows": 2}))
    method = forms.ChoiceField(label=_("How"), choices=FeedbackMethod.choices)
    given_on = forms.DateField(label=_("When"), widget=DATE, initial=timezone.localdate)


class RecusalForm(forms.Form):
    reason = forms.CharField(label=_("Conflict of interest"), widget=forms.Textarea(attrs={"rows": 2}))
    username = forms.CharField(
        label=_("User (leave empty to declare your own)"), required=False, help_text=_("Supervisors only.")
    )


class LinkForm(forms.Form):
    reference = forms.CharField(label=_("Reference number of the earlier report"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Files"), required=True)
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices, initial=AttachmentKind.EVIDENCE)


class NotesForm(forms.Form):
    notes = forms.CharField(label=_("Verification notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


# Corrections (services/corrections.py): one form per kind of change; the service validates the change itself.

CLASSIFIED = [(value, label) for value, label in Category.choices if value != Category.UNCLASSIFIED]


class CorrectionForm(forms.Form):
    """One kind of correction: its payload for services.report_correct is the cleaned `payload_fields`."""

    payload_fields: tuple[str, ...] = ()

    def __init__(self, *args, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report

    def payload(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.payload_fields}


class CorrectionReasonMixin(CorrectionForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required once the disposition is approved: a supervisor then decides."),
    )


class CorrectReportForm(CorrectionReasonMixin):
    """Shown with the report's values; its payload holds only those that differ."""

    payload_fields = ("summary", "channel", "area", "received_on", "place")
    summary = forms.CharField(
        label=_("Summary"), max_length=SUMMARY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    area = forms.ChoiceField(label=_("Livelihood area"), choices=Area.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    place = forms.CharField(label=_("Place (scan-a-code)"), required=False, max_length=PLACE_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.report is not None:
            self.initial = {name: getattr(self.report, name) for name in self.payload_fields} | self.initial

    def payload(self) -> dict:
        """Only the fields that differ from the report: the service refuses a correction that changes nothing."""
        data = {**self.cleaned_data, "summary": self.cleaned_data["summary"].replace("\r\n", "\n")}
        return {name: data[name] for name in self.payload_fields if data.get(name) != getattr(self.report, name)}


class AllegationTextForm(CorrectionReasonMixin):
    """A correction that writes an allegation's text and discipline category."""

    text = forms.CharField(label=_("Allegation"), widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(label=_("Discipline category"), choices=CLASSIFIED)


class CorrectAllegationForm(AllegationTextForm):
    payload_fields = ("allegation", "text", "category")
    allegation = forms.IntegerField(widget=forms.HiddenInput)


class SplitAllegationForm(CorrectionReasonMixin):
    PARTS = 4
    allegation = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(self.PARTS):
            self.fields[f"text_{i}"] = forms.CharField(
                label=_("Part %(n)s") % {"n": i + 1}, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"category_{i}"] = forms.ChoiceField(
                label=_("Discipline category"), choices=[("", "—"), *CLASSIFIED], required=False
            )

    def payload(self) -> dict:
        data = self.cleaned_data
        parts = [
            {"text": data[f"text_{i}"], "category": data[f"category_{i}"]}
            for i in range(self.PARTS)
            if (data.get(f"text_{i}") or "").strip()
        ]
        return {"allegation": data["allegation"], "parts": parts}


class MergeAllegationsForm(AllegationTextForm):
    payload_fields = ("allegations", "text", "category")
    allegations = forms.TypedMultipleChoiceField(label=_("Allegations to merge"), coerce=int, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Merged allegation")
        if self.report is not None:
            self.fields["allegations"].choices = [(a.pk, a.text[:40]) for a in self.report.allegations.all()]


class AddAllegationForm(AllegationTextForm):
    payload_fields = ("subject", "text", "category")
    subject = forms.TypedChoiceField(label=_("Subject"), coerce=int, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.report is not None:
            subjects = {a.subject_id: str(a.subject) for a in self.report.allegations.all()}
            self.fields["subject"].choices = list(subjects.items())


class RemoveAllegationForm(CorrectionForm):
    payload_fields = ("allegation",)
    allegation = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why is it removed?"), widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionDecisionForm(forms.Form):
    correction = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

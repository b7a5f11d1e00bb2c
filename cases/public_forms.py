"""Forms of the public pages. They check shapes only; the services decide what is accepted."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission
from core.errors import DomainError
from core.forms import PreselectSingleChoice

from .choices import Area, SubjectKind
from .contact import check_id_number, check_phone
from .forms import MultipleFileField, field_check
from .limits import PLACE_MAX_LENGTH, SUMMARY_MAX_LENGTH
from .services import ReporterInput, SubjectInput, Upload
from .services.attachments import check_upload, max_bytes

EXTRA_SUBJECT_ROWS = 5


def read_uploads(files) -> list[Upload]:
    """The files as uploads the services read in chunks: none is read into memory here."""
    return [Upload(name=f.name, file=f) for f in files]


def files_help() -> str:
    return _("PDF, image, Word, Excel or text; at most %(count)s files of %(mb)s MB each, %(total)s MB in all.") % {
        "count": settings.MAX_UPLOAD_FILES,
        "mb": max_bytes() // (1024 * 1024),
        "total": settings.MAX_REQUEST_BYTES // (1024 * 1024),
    }


class FilesMixin:
    """A multi-file field (limited in number by the field); the services check each file's size and type.

    The form asks the services' own check (check_upload) too, so a refused file is named beside the file field
    with every other field's error, not in a banner once everything else is valid (issue 16).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = files_help()

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        errors = []
        for upload in read_uploads(files):
            try:
                check_upload(upload)
            except DomainError as error:
                errors.append(forms.ValidationError(error.message, code=error.code))
        if errors:
            raise forms.ValidationError(errors)
        return files


def clean_place(value: str | None) -> str:
    return " ".join((value or "").split())[:PLACE_MAX_LENGTH]


class SubjectForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=SubjectKind.choices, initial=SubjectKind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    unit = forms.CharField(label=_("Unit (workplace)"), max_length=150, required=False)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)

    def as_input(self) -> SubjectInput | None:
        data = self.cleaned_data
        if not (data.get("name") or "").strip():
            return None
        return SubjectInput(
            kind=data["kind"], name=data["name"].strip(), unit=data["unit"].strip(), position=data["position"].strip()
        )


class BaseSubjectFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.subjects():
            raise forms.ValidationError(_("Name at least one person or organisation you are reporting."))

    def subjects(self) -> list[SubjectInput]:
        return [s for s in (form.as_input() for form in self.forms if form.is_valid()) if s is not None]


SubjectFormSet = forms.formset_factory(
    SubjectForm, formset=BaseSubjectFormSet, extra=EXTRA_SUBJECT_ROWS, max_num=10, absolute_max=10, validate_max=True
)


class PublicReportForm(FilesMixin, forms.Form):
    IDENTITY_CHOICES = [
        ("anonymous", _("Stay anonymous")),
        ("named", _("Give my name and contact details")),
    ]

    summary = forms.CharField(
        label=_("What happened?"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("Who did what, when and where; what you saw yourself; who else knows about it."),
    )
    area = forms.ChoiceField(label=_("Which area does it concern?"), choices=Area.choices, initial=Area.OTHER)
    identity = forms.ChoiceField(
        label=_("Your identity"), choices=IDENTITY_CHOICES, initial="anonymous", widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    id_number = forms.CharField(label=_("ID card number"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    relation = forms.CharField(
        label=_("Your relation to the people reported"),
        max_length=100,
        required=False,
        help_text=_(
            "Optional, e.g. employee of a bidding company. Because it can point to you, it is protected like your "
            "identity: stored encrypted, and shown only to the letters and visits office of the commission handling "
            "your report, or to someone a supervisor there has approved; every view is recorded."
        ),
    )
    attachments = MultipleFileField(
        label=_("Files (optional)"),
    )
    place = forms.CharField(required=False, widget=forms.HiddenInput)
    # Identifies this form: sent twice, it registers one report (and shows its receipt code again, once).
    submission_token = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_place(self) -> str:
        return clean_place(self.cleaned_data.get("place"))

    def clean_phone(self) -> str:
        return field_check(check_phone, self.cleaned_data.get("phone"))

    def clean_id_number(self) -> str:
        return field_check(check_id_number, self.cleaned_data.get("id_number"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("identity") == "named" and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("Give your name, or choose to stay anonymous."))
        return cleaned

    def reporter(self) -> ReporterInput:
        data = self.cleaned_data
        if data["identity"] != "named":
            return ReporterInput(is_anonymous=True, relation=data["relation"])
        return ReporterInput(
            is_anonymous=False,
            name=data["name"],
            phone=data["phone"],
            id_number=data["id_number"],
            address=data["address"],
            relation=data["relation"],
        )


class SupplementForm(FilesMixin, forms.Form):
    text = forms.CharField(
        label=_("What would you like to add?"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(
        label=_("Files (optional)"),
    )


class PlaceCodeForm(PreselectSingleChoice, forms.Form):
    commission = forms.ModelChoiceField(label=_("Commission"), queryset=Commission.objects.none())
    place = forms.CharField(
        label=_("Place"),
        max_length=PLACE_MAX_LENGTH,
        help_text=_(
            "Where the code will be posted, e.g. a government service centre; reports sent through it carry this name."
        ),
    )

    def __init__(self, *args, commissions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commissions is not None:
            self.fields["commission"].queryset = commissions

    def clean_place(self) -> str:
        place = clean_place(self.cleaned_data.get("place"))
        if not place:
            raise forms.ValidationError(_("Name the place."))
        return place

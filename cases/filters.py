"""The filters of the cases lists (issue 17), each one FilterSet for its page, its API and its export.

The report list's FilterSet narrows what `selectors.report_list(user)` scoped, with the same queries the hand-made
filters ran (the report list is measured at 1,000,000 reports): an equality per field, the subject's reports as a
subquery, the text search through its bigram index (cases/search.py), last.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, ChoiceFilter, DateFilter, ModelChoiceFilter

from accounts.models import Commission
from core.filters import IdFilter, ListFilterSet, YesNoFilter

from . import deadlines
from .choices import OPEN_STATUSES, AccessStatus, Area, Channel, Finding, Status, SubjectKind
from .forms import DATE, ReportFilterForm, ReportListForm
from .models import Allegation, IdentityAccess, Report, Subject
from .search import search_reports
from .selectors import readable_commissions_for_filter, report_ids_about


def _choices(choices, **kwargs) -> ChoiceFilter:
    return ChoiceFilter(choices=choices, empty_label=_("Any"), **kwargs)


class ReportFilterSet(ListFilterSet):
    """The report list's filters as the API reads them: `overdue` is strictly past due."""

    status = _choices(Status.choices, label=_("Status"))
    channel = _choices(Channel.choices, label=_("Channel"))
    area = _choices(Area.choices, label=_("Area"))
    commission = IdFilter(field_name="commission", help_text=_("Id of the handling commission."))
    received_from = DateFilter(
        field_name="received_on",
        lookup_expr="gte",
        label=_("Received from"),
        help_text=_("Received on or after this day."),
        widget=DATE,
    )
    received_to = DateFilter(
        field_name="received_on",
        lookup_expr="lte",
        label=_("Received to"),
        help_text=_("Received on or before this day."),
        widget=DATE,
    )
    # `field_name` names the subject for the schema; the method asks for the reports about it.
    subject = IdFilter(
        field_name="allegations__subject",
        method="filter_subject",
        help_text=_("Id of a subject the report is about."),
        widget=forms.HiddenInput,
    )
    overdue = YesNoFilter(method="filter_overdue", help_text=_("Only open reports whose stage is past its due date."))
    q = CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_("Full-text search over the summary and the allegations."),
    )

    # As the hand-made filters ran them: the search last.
    order = ("status", "channel", "area", "commission", "received_from", "received_to", "subject", "overdue", "q")
    unindexed = ("q",)
    follow_ids = ("received_from",)

    class Meta:
        model = Report
        fields: list[str] = []
        form = ReportFilterForm

    def overdue_until(self) -> datetime.date:
        """The last due date that counts as overdue: yesterday's, for the API."""
        return timezone.localdate() - datetime.timedelta(days=1)

    def filter_subject(self, queryset, name, value: int):
        return queryset.filter(pk__in=report_ids_about(value))

    def filter_overdue(self, queryset, name, value: bool):
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES, due_on__lte=self.overdue_until())

    def filter_search(self, queryset, name, value: str):
        return search_reports(queryset, value)


class ReportPageFilterSet(ReportFilterSet):
    """The report list page's form, and its exports: the commissions offered are those the user reads, `overdue`
    also shows what is due within a week (cases/deadlines.py), and the page's form adds the sort."""

    commission = ModelChoiceFilter(queryset=Commission.objects.none(), label=_("Commission"), empty_label=_("Any"))
    overdue = YesNoFilter(method="filter_overdue", label=_("Overdue or due soon"))

    class Meta(ReportFilterSet.Meta):
        form = ReportListForm

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["commission"].queryset = readable_commissions_for_filter(user)

    def overdue_until(self) -> datetime.date:
        return deadlines.nearing_limit()


class SubjectFilterSet(ListFilterSet):
    q = CharFilter(field_name="name", lookup_expr="icontains", help_text=_("Part of the name."))
    kind = ChoiceFilter(choices=SubjectKind.choices)

    class Meta:
        model = Subject
        fields: list[str] = []


class AllegationFilterSet(ListFilterSet):
    report = IdFilter(field_name="report")
    subject = IdFilter(field_name="subject")
    finding = ChoiceFilter(choices=Finding.choices)

    class Meta:
        model = Allegation
        fields: list[str] = []


class IdentityRequestFilterSet(ListFilterSet):
    status = ChoiceFilter(choices=AccessStatus.choices)
    report = IdFilter(field_name="report")

    class Meta:
        model = IdentityAccess
        fields: list[str] = []

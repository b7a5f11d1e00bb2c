"""The accountability lists' filters (issue 17).

The case list's FilterSet serves its page, its API and the decisions export. It narrows what
`selectors.case_list(user)` scoped, with the queries the page's hand-made filters ran: a case is found by the form of
a decision in force or the kind of one of its targets (then once, however many match).

The decisions API's FilterSet narrows what `selectors.decisions_visible_to(user)` scoped, to one organisation's or
person's decisions (as the subject's history page lists them) or to one status.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, DateFilter, ModelChoiceFilter

from accounts import jurisdiction
from accounts.models import Commission
from cases.choices import SubjectKind
from core.filters import IdFilter, ListFilterSet

from .choices import DecisionStatus, Form, Status, Trigger
from .forms import DATE, CaseFilterForm
from .models import AccountabilityCase, Decision


class CaseFilterSet(ListFilterSet):
    """The case list's filters as the API reads them: the commission by its id."""

    status = ChoiceFilter(choices=Status.choices, empty_label=_("Any"), label=_("Status"))
    trigger = ChoiceFilter(choices=Trigger.choices, empty_label=_("Any"), label=_("Trigger"))
    form = ChoiceFilter(
        field_name="decisions__form", method="filter_form", choices=Form.choices, empty_label=_("Any"), label=_("Form")
    )
    target_kind = ChoiceFilter(
        field_name="targets__kind",
        distinct=True,
        choices=SubjectKind.choices,
        empty_label=_("Any"),
        label=_("Target type"),
    )
    commission = IdFilter(field_name="commission", min_value=1, help_text=_("Id of the handling commission."))
    initiated_from = DateFilter(field_name="initiated_on", lookup_expr="gte", label=_("Initiated from"), widget=DATE)
    initiated_to = DateFilter(field_name="initiated_on", lookup_expr="lte", label=_("Initiated to"), widget=DATE)

    # As the page's hand-made filters ran them.
    order = ("status", "trigger", "commission", "form", "target_kind", "initiated_from", "initiated_to")

    class Meta:
        model = AccountabilityCase
        fields: list[str] = []
        form = CaseFilterForm

    def filter_form(self, queryset, name, value):
        return queryset.filter(decisions__form=value, decisions__status=DecisionStatus.IN_FORCE).distinct()


class CasePageFilterSet(CaseFilterSet):
    """The case list page's form and the decisions export: the commissions offered are those the user reads."""

    commission = ModelChoiceFilter(queryset=Commission.objects.none(), label=_("Commission"))

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["commission"].queryset = jurisdiction.readable_commissions(user).order_by("path")


class DecisionFilterSet(ListFilterSet):
    subject = IdFilter(field_name="target__subject", help_text=_("Only this organisation's or person's decisions."))
    status = ChoiceFilter(choices=DecisionStatus.choices)

    class Meta:
        model = Decision
        fields: list[str] = []

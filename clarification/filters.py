"""The clarification list's filter (issue 17): one FilterSet for its page, its API and its export.

It narrows what `selectors.recommendation_list(user)` scoped: `?status=` as a choice, so the API refuses an unknown
status with 400 naming it, and the page and the export offer the same statuses.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter

from core.filters import ListFilterSet

from .choices import Status
from .models import Recommendation


class RecommendationFilterSet(ListFilterSet):
    status = ChoiceFilter(choices=Status.choices, empty_label=_("Any"), label=_("Status"))

    class Meta:
        model = Recommendation
        fields: list[str] = []

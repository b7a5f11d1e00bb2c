"""The parts every list's FilterSet is made of (issue 17): one django-filter FilterSet per list serves its page (the
filter form), its API (the query parameters, documented in the schema by drf-spectacular's django-filter support)
and its export. The scoped selectors still make the queryset; a FilterSet only narrows it.

The API reads a FilterSet through ApiFilterBackend, which refuses what a page would let pass: a value that is not
one of the filter's (a yes/no that is neither, a number that is not one, an unknown choice) or a number, date or
yes/no sent empty is a 400 naming the parameter, with the one error body of core/api_errors.py, and nothing is
listed.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, CharFilter, ChoiceFilter, Filter, FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework.exceptions import ErrorDetail
from rest_framework.exceptions import ValidationError as ApiValidationError

# As DRF's BooleanField reads them, which the API accepted before its filters were FilterSets.
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "off", "0"})


class YesNoCheckbox(forms.CheckboxInput):
    """A checkbox that hands the form the value as sent: Django's own reads any value but "false" as yes, so
    `?overdue=maybe` would list the overdue reports instead of being refused."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class YesNoField(forms.Field):
    """Yes, no or not given (None); any other word is invalid."""

    widget = YesNoCheckbox
    # DRF's own message, so its translations serve it.
    default_error_messages = {"invalid": _("Must be a valid boolean.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class YesNoFilter(BooleanFilter):
    """A yes/no parameter: a checkbox on the page, a boolean in the schema. Its method (or the field) is given only
    yes or no, never a word it did not understand."""

    field_class = YesNoField


class IdFilter(Filter):
    """The id of an object (an integer in the schema, looked up through `field_name` on the model)."""

    field_class = forms.IntegerField


class ListFilterSet(FilterSet):
    """A list's FilterSet. Its filters apply in `order` (the rest after it, as declared), so a FilterSet keeps the
    query of the hand-made filters it replaced; a field of its form that is no filter (the page's sort) is skipped."""

    order: tuple[str, ...] = ()
    # Filters no index answers alone (a full-text search): a page filtered by one is chosen on its full rows, not
    # on the narrow rows first (core/sections.chosen_narrow), where PostgreSQL's parallel workers ran far ahead.
    unindexed: tuple[str, ...] = ()
    # Lower bounds on a column that follows the ids (a report's received date follows its registration): with one,
    # a walk of the ids from the oldest passes every row before the bound first, more of them the more data there
    # is, so the oldest-first page is taken through the bound's index instead (core.keyset.paginate, `walk`).
    follow_ids: tuple[str, ...] = ()

    @classmethod
    def narrow_rows_first(cls, data) -> bool:
        """Whether a page filtered with `data` (the form's cleaned data, or the API's parameters) may be chosen on
        the narrow rows first."""
        return not any(data.get(name) for name in cls.unindexed)

    @classmethod
    def walk_ids(cls, data, keys: list[str]) -> bool:
        """Whether a page ordered by `keys` may walk the ids: not oldest first past a bound in `follow_ids`."""
        return keys[0] != "id" or not any(data.get(name) for name in cls.follow_ids)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        names = [*self.order, *(name for name in self.filters if name not in self.order)]
        for name in names:
            queryset = self.filters[name].filter(queryset, data.get(name))
        return queryset

    def narrowed(self):
        """What a list page or its export shows: the queryset narrowed, or whole when a filter is invalid (the form
        then says what is wrong, and an export refuses it)."""
        return self.qs if self.is_valid() else self.queryset


class ApiFilterBackend(DjangoFilterBackend):
    """The view's `filterset_class`, on its list only (an object's own path or action takes no filter)."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        blank = self._blank_refusals(request, filterset)
        if not filterset.is_valid() or blank:
            errors = translate_validation(filterset.errors).detail if filterset.errors else {}
            raise ApiValidationError({**errors, **blank})
        return filterset.qs

    @staticmethod
    def _blank_refusals(request, filterset) -> dict:
        """A number, date or yes/no sent empty (`?received_to=`) is a value to refuse, not one left out; an empty
        text or choice means any, as the page's "Any" does. Of a parameter sent twice the last counts."""
        refused = {}
        for name, values in request.query_params.lists():
            each = filterset.filters.get(name)
            if each is not None and values[-1] == "" and not isinstance(each, CharFilter | ChoiceFilter):
                refused[name] = [ErrorDetail(str(_("This field may not be blank.")), code="blank")]
        return refused

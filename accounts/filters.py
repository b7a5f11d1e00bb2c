"""The API token list's filter (issue 17): `?user=` as a FilterSet, so the API refuses a bad value with 400."""

from core.filters import IdFilter, ListFilterSet

from .models import ApiToken


class ApiTokenFilterSet(ListFilterSet):
    user = IdFilter(field_name="user", min_value=1, help_text="Only the tokens of this user.")

    class Meta:
        model = ApiToken
        fields: list[str] = []

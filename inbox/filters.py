"""The inbox list's filter (issue 17): `?unread=` as a FilterSet, so the API refuses a bad value with 400."""

from core.filters import ListFilterSet, YesNoFilter

from .models import Notification


class NotificationFilterSet(ListFilterSet):
    unread = YesNoFilter(method="filter_unread", help_text="Only unread notifications.")

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(self, queryset, name, value: bool):
        return queryset.filter(read_at__isnull=True) if value else queryset

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from core.sections import chosen_narrow


class _ChosenNarrow:
    """The queryset as CursorPagination orders, filters and slices it, the page's rows chosen on the narrow rows
    (core.sections.chosen_narrow), as the pages' lists choose theirs (core/keyset.py)."""

    def __init__(self, queryset):
        self.queryset = queryset

    def order_by(self, *keys):
        return _ChosenNarrow(self.queryset.order_by(*keys))

    def filter(self, *args, **kwargs):
        return _ChosenNarrow(self.queryset.filter(*args, **kwargs))

    def __getitem__(self, window: slice):
        return chosen_narrow(self.queryset, window.stop, window.start or 0)


class DefaultCursorPagination(CursorPagination):
    """Newest first. A bad page_size or cursor is a 400 naming the parameter (DRF would silently use the default
    size, and answer a bad cursor with 404), so a client learns of its mistake (issue 13)."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        filterset = getattr(view, "filterset_class", None)
        if filterset is not None and not filterset.narrow_rows_first(request.query_params):
            return super().paginate_queryset(queryset, request, view)
        return super().paginate_queryset(_ChosenNarrow(queryset), request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = _("A whole number from 1 to %(limit)d.") % {"limit": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]}, code="invalid")
        return size

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = _("This cursor is not one the API gave out; follow the next or previous link.")
            raise ValidationError({self.cursor_query_param: [message]}, code="invalid") from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

"""The API base viewset, which always scopes its queryset."""

from rest_framework import viewsets


class ScopedViewSetMixin:
    """Every queryset comes from the app's visibility selector, `visible_queryset(user)`.

    Subclasses may not override get_queryset: a reviewer should see every bypass, so the only escape
    hatch is named `dangerously_get_queryset`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must scope through visible_queryset(), not get_queryset().")

    def visible_queryset(self, user):
        raise NotImplementedError

    def get_queryset(self):
        if hasattr(self, "dangerously_get_queryset"):
            return self.dangerously_get_queryset()
        return self.visible_queryset(self.request.user)


# `self.validated(SomeInputSerializer)`: the request body (or `data`) checked by an input serializer, its validated
# data returned; invalid input is a 400 before any service runs. (A comment, not a docstring: drf-spectacular would
# publish a mixin's docstring as the description of every viewset that has none of its own.)
class InputMixin:
    def validated(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(
            data=self.request.data if data is None else data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass

"""The inbox API under /api/inbox/: the user's own notifications, newest first, and marking them read.

Another user's notification is a 404, as on the pages (inbox.selectors).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ScopedGenericViewSet

from . import selectors, services
from .filters import NotificationFilterSet
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text="The message in the caller's language.")
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "target_type", "target_id", "due_on", "created_at", "read_at"]

    def get_target_type(self, obj) -> str | None:
        """The object's type as "app_label.model", or null."""
        return f"{obj.target_type.app_label}.{obj.target_type.model}" if obj.target_type else None


NOT_FOUND = OpenApiResponse(description="Not found, or another user's notification.")


class NotificationViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    serializer_class = NotificationSerializer
    # A bad value (?unread=maybe) is a 400 naming the parameter, not silently all notifications.
    filterset_class = NotificationFilterSet

    def visible_queryset(self, user):
        if not user.is_authenticated:  # the schema generator asks without a user
            return Notification.objects.none()
        return selectors.notifications_of(user).select_related("target_type")

    @extend_schema(responses=NotificationSerializer(many=True))
    def list(self, request, *args, **kwargs):
        """The caller's notifications, newest first (cursor pagination)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_read_all(user=request.user)})


ROUTES = [("inbox", NotificationViewSet, "inbox")]

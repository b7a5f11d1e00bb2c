from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ScopedReadOnlyViewSet

from . import jurisdiction
from .models import Commission, Membership
from .selectors import commissions_visible_to


class CommissionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Commission
        fields = ["id", "name_zh", "name_en", "level", "level_display", "division_code", "abbr", "parent"]


class MembershipSerializer(serializers.ModelSerializer):
    commission = CommissionSerializer(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    office = serializers.CharField(source="office.get_kind_display", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "commission", "role", "role_display", "office"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)


class CommissionViewSet(ScopedReadOnlyViewSet):
    """Commissions within the caller's reach."""

    serializer_class = CommissionSerializer
    pagination_class = None

    def visible_queryset(self, user):
        return commissions_visible_to(user)


class MeView(APIView):
    """The caller, with their roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "full_name": user.full_name,
            "memberships": jurisdiction.memberships_of(user),
        }
        return Response(MeSerializer(data).data)


ROUTES = [
    ("commissions", CommissionViewSet, "commission"),
]

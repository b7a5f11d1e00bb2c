from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ScopedReadOnlyViewSet
from core.api_errors import ApiErrorSerializer, error_response
from core.pagination import DefaultCursorPagination

from . import jurisdiction, signin
from .filters import ApiTokenFilterSet
from .models import ApiToken, Commission, Membership
from .selectors import commissions_visible_to
from .services import user_password_change
from .tokens import NAME_MAX_LENGTH, api_token_issue, api_token_revoke, api_token_state, api_tokens_visible_to


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


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PasswordChangeView(APIView):
    """The caller chooses a new password, as on the password page. Every API token of the caller, the one used
    here included, is revoked with it (the tokens are bound to the password)."""

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not request.user.check_password(data["old_password"]):
            raise serializers.ValidationError({"old_password": [_("Your old password was entered incorrectly.")]})
        try:
            validate_password(data["new_password"], request.user)
        except ValidationError as error:
            raise serializers.ValidationError({"new_password": list(error.messages)}) from error
        user_password_change(user=request.user, password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- API tokens ------------------------------------------------------------------------------------------


SignInErrorSerializer = ApiErrorSerializer


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        default="api",
        help_text="The client the token is for; a new token for the same client replaces its earlier one.",
    )
    otp = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text="The current code of the authenticator app, or a recovery code (required for two-factor roles).",
    )


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`; it is shown only now.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenIssueView(APIView):
    """A new API token for a named client, in exchange for the password (and the one-time code for a two-factor
    role). Tokens expire after API_TOKEN_TTL_HOURS."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: TokenIssuedSerializer,
            400: OpenApiResponse(SignInErrorSerializer, description="Wrong credentials or a missing or wrong code."),
            403: OpenApiResponse(SignInErrorSerializer, description="The password must be changed first."),
            429: OpenApiResponse(SignInErrorSerializer, description="Too many failures: wait, or send the code."),
        },
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = signin.signin_check(
                request=request._request,
                username=data["username"],
                password=data["password"],
                otp=data["otp"],
                need_second_factor=True,
            )
        except signin.SignInRefused as refusal:
            return error_response(
                refusal.code,
                refusal.message,
                status=status.HTTP_429_TOO_MANY_REQUESTS if refusal.too_many else status.HTTP_400_BAD_REQUEST,
                headers={"Retry-After": str(refusal.seconds)} if refusal.seconds else None,
            )
        if result.user.must_change_password:
            # A password an administrator set is a temporary one: it opens the password page, nothing else.
            message = _("Choose a new password on the password page before using the API.")
            return error_response("password_change_required", message, status=status.HTTP_403_FORBIDDEN)
        token, key = api_token_issue(
            user=result.user, name=data["name"], two_factor=result.device is not None, actor=result.user, via="password"
        )
        body = {"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at}
        return Response(TokenIssuedSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()


class ApiTokenSerializer(serializers.ModelSerializer):
    user = TokenOwnerSerializer(read_only=True)
    state = serializers.SerializerMethodField(help_text="active, expired or revoked")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "user",
            "two_factor",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoke_reason",
            "state",
        ]

    def get_state(self, token) -> str:
        return api_token_state(token, now=self.context.get("now"))


class TokenRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ApiTokenViewSet(ScopedReadOnlyViewSet):
    """API tokens: the caller's own, and, for an admin, those of the users of their commission and the commissions
    below it. The key itself is never shown again."""

    serializer_class = ApiTokenSerializer
    pagination_class = DefaultCursorPagination
    filterset_class = ApiTokenFilterSet

    def visible_queryset(self, user):
        return api_tokens_visible_to(user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request=TokenRevokeSerializer,
        responses={
            200: ApiTokenSerializer,
            400: SignInErrorSerializer,
            404: OpenApiResponse(description="Does not exist or is out of the caller's reach."),
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token at once (the owner, or an admin of the owner's commission), with an optional reason."""
        token = self.get_object()
        data = TokenRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = api_token_revoke(token=token, actor=request.user, reason=data.validated_data["reason"])
        return Response(ApiTokenSerializer(token, context=self.get_serializer_context()).data)


ROUTES = [
    ("commissions", CommissionViewSet, "commission"),
    ("tokens", ApiTokenViewSet, "api-tokens"),
]

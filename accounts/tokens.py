"""API tokens: one per named client, expiring, kept only as a digest, bound to the password and the account.

A token is issued after the caller proved their password (and, for a two-factor role, a one-time code) or
from a signed-in, verified session on the account page. It stops working when it expires, when it is
revoked, when the password changes (it carries a mark of the password it was issued under), and when the
account is disabled. Every issue and revocation is an audit event.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from audit.services import audit_record
from core.errors import DomainError

from . import jurisdiction
from .models import ApiToken, Membership, User
from .roles import Role
from .security import second_factor_missing, two_factor_refusal

KEYWORD = "Token"
PREFIX_LENGTH = 8
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
# Writing last_used_at on every call would turn each API read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenState:
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    LABELS = {ACTIVE: gettext_lazy("active"), EXPIRED: gettext_lazy("expired"), REVOKED: gettext_lazy("revoked")}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _password_marks(user: User) -> list[str]:
    """What Django binds sessions to: an HMAC of the password hash (under SECRET_KEY and its fallbacks)."""
    return [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]


def _void_reason(token: ApiToken) -> str:
    """Why a token that was never revoked no longer counts ("" when it still does)."""
    user = token.user
    if not user.is_active:
        return "account_disabled"
    if not any(constant_time_compare(token.password_mark, mark) for mark in _password_marks(user)):
        return "password_changed"
    return ""


def api_token_state(token: ApiToken, *, now=None) -> str:
    if token.revoked_at is not None or _void_reason(token):
        return TokenState.REVOKED
    if token.expires_at <= (now or timezone.now()):
        return TokenState.EXPIRED
    return TokenState.ACTIVE


# --- selectors -------------------------------------------------------------------------------------------


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens (the account page), newest first."""
    return ApiToken.objects.filter(user=user).select_related("user", "revoked_by")


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, and those of every user with a membership where the user is an admin
    (their commission and its subtree, as accounts.jurisdiction decides)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    condition = Q(user=user)
    administered = jurisdiction.readable_commission_ids(user, roles=[Role.ADMIN])
    if administered:
        members = Membership.objects.filter(commission__in=administered).values("user")
        condition |= Q(user__in=members)
    return ApiToken.objects.filter(condition).select_related("user", "revoked_by")


# --- services --------------------------------------------------------------------------------------------


def _revoke(token: ApiToken, *, actor: User | None, reason: str) -> bool:
    """Mark one token revoked and record it; False when another request revoked it first."""
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "pk", None) else None, revoke_reason=reason
    )
    if done:
        audit_record(
            actor=actor, action="api_token.revoke", target=token, user=token.user_id, name=token.name, reason=reason
        )
    return bool(done)


@transaction.atomic
def api_token_issue(*, user: User, name: str, two_factor: bool, actor: User, via: str) -> tuple[ApiToken, str]:
    """Issue a token for one named client of `user` and return it with its key (shown once, never stored).

    The caller has proved the password (and the second factor, `two_factor`). An earlier live token of the
    same client is revoked: one token per client.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Name the client this token is for, e.g. “nightly export”."), code="invalid")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            _("The client name is too long (at most %(limit)d characters).") % {"limit": NAME_MAX_LENGTH},
            code="invalid",
        )
    if not user.is_active:
        raise DomainError(_("This account is disabled."), code="forbidden")
    # Serialise issues for one user, so two requests for the same client cannot both keep a live token.
    User.objects.select_for_update().filter(pk=user.pk).exists()
    for earlier in ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True):
        _revoke(earlier, actor=actor, reason="replaced")
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        digest=_digest(key),
        password_mark=user.get_session_auth_hash(),
        two_factor=two_factor,
        created_at=now,
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    jurisdiction.forget(user)  # whether the user asked for tokens is loaded with them (the top bar's API link)
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        user=user.pk,
        name=name,
        expires_at=token.expires_at,
        two_factor=two_factor,
        via=via,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, reason: str = "") -> ApiToken:
    """Revoke one token. The caller fetched it through api_tokens_visible_to(actor) (the owner or their admin)."""
    reason = (reason or "").strip()[:200] or ("revoked_by_owner" if actor.pk == token.user_id else "revoked_by_admin")
    if token.revoked_at is not None or not _revoke(token, actor=actor, reason=reason):
        raise DomainError(_("This token is already revoked."), code="already_revoked")
    token.refresh_from_db()
    return token


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revoke every token of `user` not yet revoked (password change, disabling, a second-factor reset).

    Returns how many were revoked; each is an audit event.
    """
    return sum(
        _revoke(token, actor=actor, reason=reason)
        for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    )


# --- authentication --------------------------------------------------------------------------------------


def api_token_authenticate(key: str) -> tuple[User, ApiToken]:
    """The user a key belongs to, or AuthenticationFailed (401); a void token is marked revoked on the way."""
    token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
    if token is None or token.revoked_at is not None:
        raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
    now = timezone.now()
    if token.expires_at <= now:
        raise exceptions.AuthenticationFailed(_("This token has expired. Ask for a new one."))
    reason = _void_reason(token)
    if reason:
        with transaction.atomic():
            _revoke(token, actor=None, reason=reason)
        raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
    user = token.user
    if second_factor_missing(user, verified=token.two_factor):
        raise exceptions.PermissionDenied(two_factor_refusal())
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user, token


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`. First of the API's authenticators, so that a missing or bad token is a 401
    with `WWW-Authenticate: Token` rather than a 403."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from error
        return api_token_authenticate(key)

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ApiTokenAuthentication."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API token with the prefix "Token", from POST /api/auth/token/ or the account page.',
        }

from accounts import jurisdiction
from accounts.models import ApiToken
from accounts.roles import Role

HAS_TOKENS_ATTR = "_has_api_tokens_loaded"


def has_api_tokens_expression():
    """Whether the user ever asked for API tokens, loaded with the session's user (accounts.backends)."""
    from django.db.models import Exists, OuterRef

    return Exists(ApiToken.objects.filter(user=OuterRef("pk")))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = jurisdiction.roles_of(user)
    return {
        "nav_roles": roles,
        "nav_is_staff_of_cases": bool(roles & {Role.INTAKE, Role.INVESTIGATOR, Role.REVIEWER, Role.SUPERVISOR}),
        "nav_oversees": bool(roles & {Role.SUPERVISOR, Role.ADMIN}),
        "nav_is_admin": Role.ADMIN in roles or user.is_staff,
        # The API documentation link is for those who asked for API tokens; everyone finds it on their account page.
        "nav_uses_api": lambda: (
            getattr(user, HAS_TOKENS_ATTR, None)
            if hasattr(user, HAS_TOKENS_ATTR)
            else ApiToken.objects.filter(user=user).exists()
        ),
    }

from django.conf import settings
from django.core.checks import Error, register


@register()
def audit_chain_key_is_set(app_configs, **kwargs):
    """With DEBUG=0 there is no derived key (config/settings.py): the product must not start without one."""
    if settings.AUDIT_CHAIN_KEY:
        return []
    return [
        Error(
            "AUDIT_CHAIN_KEY is not set.",
            hint="Set AUDIT_CHAIN_KEY in the environment of web, worker and beat to one long random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'. Keep it out of the database and its "
            "backups; changing it later makes the existing audit trail fail verification.",
            id="audit.E001",
        )
    ]

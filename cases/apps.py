from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Reports and cases")

    def ready(self):
        from accounts.backends import load_with_user

        from .selectors import ASSIGNED_ATTR, assigned_report_ids_expression

        load_with_user(ASSIGNED_ATTR, assigned_report_ids_expression)

        from core.context_processors import HAS_TOKENS_ATTR, has_api_tokens_expression

        load_with_user(HAS_TOKENS_ATTR, has_api_tokens_expression)  # the top bar's API link

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Commissions and people")

    def ready(self):
        from . import two_factor  # noqa: F401  (notes when a session's password login happened)

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake officer")
    INVESTIGATOR = "investigator", _("Investigator")
    REVIEWER = "reviewer", _("Reviewer")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


# Leaders and admins oversee the commissions below their own (DESIGN.md §3).
SUBTREE_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

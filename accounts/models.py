import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # Where an account belongs before it holds any role: the administrators of this commission's subtree
    # manage it (accounts/administration.py).
    home_commission = models.ForeignKey(
        "Commission",
        verbose_name=_("home commission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The commission whose administrators manage this account."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator sets the password; the user chooses a new one at the next login."),
    )
    # What is loaded with the user (memberships and their reach, grants, assignments) is cached under this
    # version; jurisdiction.forget() gives it a new value whenever any of those changes (accounts/backends.py).
    # Random rather than counted, so that a user id reused in another database never meets an old entry.
    reach_version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class CommissionLevel(models.IntegerChoices):
    CENTRAL = 1, _("Central")
    PROVINCIAL = 2, _("Provincial")
    MUNICIPAL = 3, _("Municipal")
    COUNTY = 4, _("County")


class Commission(models.Model):
    """A discipline inspection commission; the tree is kept as a materialised path of division codes."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    level = models.PositiveSmallIntegerField(_("level"), choices=CommissionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_code = models.CharField(_("administrative division code"), max_length=12, unique=True)
    abbr = models.CharField(_("abbreviation"), max_length=8, help_text=_("Used in reference numbers, e.g. QJ or ZY."))
    path = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="commission_level_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_in_language(self.name_zh, self.name_en)

    @staticmethod
    def name_in_language(name_zh: str, name_en: str, language: str | None = None) -> str:
        """The name shown in the active language, or in `language` (also for rows read without a Commission)."""
        if (language or get_language() or "zh-hans").startswith("zh"):
            return name_zh
        return name_en or name_zh

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def is_within(self, other: "Commission") -> bool:
        """True when self is other or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split("/") if code]

    def province_code(self) -> str | None:
        """The division code of the provincial commission above (or at) this one, found along its path."""
        if self.level == CommissionLevel.PROVINCIAL:
            return self.division_code
        return (
            Commission.objects.filter(division_code__in=self.ancestor_codes(), level=CommissionLevel.PROVINCIAL)
            .values_list("division_code", flat=True)
            .first()
        )

    def reference_prefix(self) -> str:
        """Abbreviations below the province, e.g. QJ-ZY for Zhanyi district of Qujing."""
        chain = list(
            Commission.objects.filter(division_code__in=self.ancestor_codes(), level__gte=CommissionLevel.MUNICIPAL)
            .order_by("level")
            .values_list("abbr", flat=True)
        )
        return "-".join(chain) or self.abbr

    def clean(self) -> None:
        if self.parent is not None and self.level <= self.parent.level:
            raise ValidationError({"level": _("A commission must sit at a lower level than its parent.")})


class YearCounter(models.Model):
    """The last number a commission gave in a year, for the reference numbers of one kind of record."""

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @classmethod
    @transaction.atomic
    def next_number(cls, commission: Commission, year: int) -> int:
        """Allocate the next number of the commission's year under a row lock: no gaps from races, no repeats."""
        counter, _created = cls.objects.select_for_update().get_or_create(commission=commission, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last


class OfficeKind(models.TextChoices):
    LETTERS_VISITS = "letters_visits", _("Letters and visits office")
    CASE_MANAGEMENT = "case_management", _("Case supervision and management office")
    SUPERVISION = "supervision", _("Supervision and inspection office")
    INVESTIGATION = "investigation", _("Review and investigation office")
    CASE_TRIAL = "case_trial", _("Case trial office")
    PARTY_STYLE = "party_style", _("Party style and government conduct office")


class Office(models.Model):
    commission = models.ForeignKey(
        Commission, verbose_name=_("commission"), on_delete=models.CASCADE, related_name="offices"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OfficeKind.choices)

    class Meta:
        ordering = ["commission__path", "kind"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [models.UniqueConstraint(fields=["commission", "kind"], name="office_unique_kind")]

    def __str__(self) -> str:
        return f"{self.commission} · {self.get_kind_display()}"


class Membership(models.Model):
    """A role a user holds at one commission, optionally within one of its offices."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    commission = models.ForeignKey(
        Commission, verbose_name=_("commission"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )

    class Meta:
        ordering = ["commission__path", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "commission", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.commission}"

    def clean(self) -> None:
        if self.role not in Role.values:
            raise ValidationError({"role": _("Unknown role.")})
        if self.office_id and self.commission_id and self.office.commission_id != self.commission_id:
            raise ValidationError({"office": _("The office must belong to the same commission.")})


class ApiToken(models.Model):
    """An API token of one named client of a user (accounts/tokens.py issues, checks and revokes them).

    Only a SHA-256 digest of the key is kept (the key is 256 random bits, so no slow hash is needed) with its
    first characters to tell tokens apart. `password_mark` binds the token to the password it was issued
    under: a password change voids it without anyone remembering to revoke it. Revoked rows are kept.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("client name"), max_length=60)
    prefix = models.CharField(_("begins with"), max_length=8)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    password_mark = models.CharField(max_length=64, editable=False)
    two_factor = models.BooleanField(_("issued after a second factor"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # One live token per named client of a user: a new token for the same client replaces the old one.
            models.UniqueConstraint(
                fields=["user", "name"], condition=models.Q(revoked_at__isnull=True), name="api_token_one_per_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.name} · {self.prefix}…"

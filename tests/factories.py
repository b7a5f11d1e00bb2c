"""Factories and the commission tree the tests speak of: Yunnan → Qujing → Zhanyi, Qilin; Kunming."""

import factory
from django.conf import settings

from accounts import services
from accounts.models import Commission, CommissionLevel, Office, OfficeKind, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def commission(code: str, abbr: str, name_zh: str, name_en: str, level: int, parent=None) -> Commission:
    existing = Commission.objects.filter(division_code=code).first()
    if existing:
        return existing
    created = services.commission_create(
        name_zh=name_zh, name_en=name_en, level=level, division_code=code, abbr=abbr, parent=parent
    )
    for kind in OfficeKind.values:
        services.office_create(commission=created, kind=kind)
    return created


def build_tree() -> dict[str, Commission]:
    yunnan = commission("530000", "YN", "云南省纪委监委", "Yunnan Provincial Commission", CommissionLevel.PROVINCIAL)
    qujing = commission(
        "530300", "QJ", "曲靖市纪委监委", "Qujing Municipal Commission", CommissionLevel.MUNICIPAL, yunnan
    )
    zhanyi = commission("530303", "ZY", "沾益区纪委监委", "Zhanyi District Commission", CommissionLevel.COUNTY, qujing)
    qilin = commission("530302", "QL", "麒麟区纪委监委", "Qilin District Commission", CommissionLevel.COUNTY, qujing)
    kunming = commission(
        "530100", "KM", "昆明市纪委监委", "Kunming Municipal Commission", CommissionLevel.MUNICIPAL, yunnan
    )
    return {"yunnan": yunnan, "qujing": qujing, "zhanyi": zhanyi, "qilin": qilin, "kunming": kunming}


def member(username: str, commission: Commission, role: str, office_kind: str | None = None) -> User:
    user = User.objects.filter(username=username).first() or UserFactory(username=username)
    office = Office.objects.get(commission=commission, kind=office_kind) if office_kind else None
    services.membership_create(user=user, commission=commission, role=role, office=office)
    return user

"""Demo hierarchy: Yunnan province, Qujing city with its districts and counties, Kunming and Yuxi."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import make_password

from . import services
from .models import Commission, CommissionLevel, Membership, Office, OfficeKind, User
from .roles import Role

# (division code, abbreviation, Chinese name, English name, login prefix, children)
TREE = (
    "530000",
    "YN",
    "云南省纪委监委",
    "Yunnan Provincial Commission",
    "yunnan",
    [
        (
            "530100",
            "KM",
            "昆明市纪委监委",
            "Kunming Municipal Commission",
            "kunming",
            [
                ("530102", "WH", "五华区纪委监委", "Wuhua District Commission", "wuhua", []),
                ("530103", "PL", "盘龙区纪委监委", "Panlong District Commission", "panlong", []),
                ("530111", "GD", "官渡区纪委监委", "Guandu District Commission", "guandu", []),
            ],
        ),
        (
            "530300",
            "QJ",
            "曲靖市纪委监委",
            "Qujing Municipal Commission",
            "qujing",
            [
                ("530302", "QL", "麒麟区纪委监委", "Qilin District Commission", "qilin", []),
                ("530303", "ZY", "沾益区纪委监委", "Zhanyi District Commission", "zhanyi", []),
                ("530304", "ML", "马龙区纪委监委", "Malong District Commission", "malong", []),
                ("530322", "LL", "陆良县纪委监委", "Luliang County Commission", "luliang", []),
                ("530326", "HZ", "会泽县纪委监委", "Huize County Commission", "huize", []),
                ("530381", "XW", "宣威市纪委监委", "Xuanwei City Commission", "xuanwei", []),
            ],
        ),
        (
            "530400",
            "YX",
            "玉溪市纪委监委",
            "Yuxi Municipal Commission",
            "yuxi",
            [
                ("530402", "HT", "红塔区纪委监委", "Hongta District Commission", "hongta", []),
                ("530403", "JC", "江川区纪委监委", "Jiangchuan District Commission", "jiangchuan", []),
            ],
        ),
    ],
)

# Roles by login prefix; every commission gets the core set, some get more.
CORE_ROLES = [
    ("intake", Role.INTAKE, OfficeKind.LETTERS_VISITS, "信访室"),
    ("investigator", Role.INVESTIGATOR, OfficeKind.INVESTIGATION, "审查调查室"),
    ("supervisor", Role.SUPERVISOR, None, "领导"),
    ("reviewer", Role.REVIEWER, OfficeKind.CASE_MANAGEMENT, "案管室"),
    ("trial", Role.REVIEWER, OfficeKind.CASE_TRIAL, "审理室"),
]
ADMIN_AT = {"yunnan", "qujing", "kunming", "yuxi"}
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"


def _ensure_commission(node, parent, level, prefixes):
    code, abbr, name_zh, name_en, prefix, children = node
    commission = Commission.objects.filter(division_code=code).first()
    if commission is None:
        commission = services.commission_create(
            name_zh=name_zh, name_en=name_en, level=level, division_code=code, abbr=abbr, parent=parent
        )
    prefixes[prefix] = commission
    for child in children:
        _ensure_commission(child, commission, level + 1, prefixes)


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    return make_password(settings.DEMO_PASSWORD)


def _ensure_user(username: str, full_name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.user_create(
            username=username, password=None, password_hash=_demo_password_hash(), full_name=full_name
        )
    return user


def _ensure_membership(user, commission, role, office_kind):
    if Membership.objects.filter(user=user, commission=commission, role=role).exists():
        return
    office = Office.objects.get(commission=commission, kind=office_kind) if office_kind else None
    services.membership_create(user=user, commission=commission, role=role, office=office)


def seed() -> dict[str, Commission]:
    prefixes: dict[str, Commission] = {}
    _ensure_commission(TREE, None, CommissionLevel.PROVINCIAL, prefixes)
    for commission in prefixes.values():
        for kind in OfficeKind.values:
            if not Office.objects.filter(commission=commission, kind=kind).exists():
                services.office_create(commission=commission, kind=kind)
    n = 0
    for prefix, commission in prefixes.items():
        for suffix, role, office_kind, title in CORE_ROLES:
            surname = SURNAMES[n % len(SURNAMES)]
            n += 1
            user = _ensure_user(f"{prefix}-{suffix}", f"{surname}{title}（{commission.name_zh[:-4]}）")
            _ensure_membership(user, commission, role, office_kind)
        if prefix in ADMIN_AT:
            user = _ensure_user(f"{prefix}-admin", f"{SURNAMES[n % len(SURNAMES)]}管理员（{commission.name_zh[:-4]}）")
            n += 1
            # The admin role alone opens the Django admin, scoped to the commission's subtree
            # (accounts/administration.py); demo admins get no Django permissions or groups.
            _ensure_membership(user, commission, Role.ADMIN, None)
    return prefixes

"""The province of the scale data: accounts.demo's Yunnan tree plus the other cities and counties (~150
commissions), with about 5,000 users holding the usual roles. Written with bulk_create (one shared password
hash); a second run finds everything in place and adds nothing."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password

from accounts import demo as accounts_demo
from accounts.models import Commission, CommissionLevel, Membership, Office, OfficeKind, User
from accounts.roles import Role

# City: (division code, abbreviation, Chinese name, English name, counties added to the demo's).
CITIES = [
    (
        "530100",
        "KM",
        "昆明市",
        "Kunming",
        "西山区 东川区 呈贡区 晋宁区 富民县 宜良县 石林县 嵩明县 禄劝县 寻甸县 安宁市",
    ),
    ("530300", "QJ", "曲靖市", "Qujing", "师宗县 罗平县 富源县"),
    ("530400", "YX", "玉溪市", "Yuxi", "澄江市 通海县 华宁县 易门县 峨山县 新平县 元江县"),
    ("530500", "BS", "保山市", "Baoshan", "隆阳区 施甸县 龙陵县 昌宁县 腾冲市"),
    (
        "530600",
        "ZT",
        "昭通市",
        "Zhaotong",
        "昭阳区 鲁甸县 巧家县 盐津县 大关县 永善县 绥江县 镇雄县 彝良县 威信县 水富市",
    ),
    ("530700", "LJ", "丽江市", "Lijiang", "古城区 玉龙县 永胜县 华坪县 宁蒗县"),
    ("530800", "PE", "普洱市", "Pu'er", "思茅区 宁洱县 墨江县 景东县 景谷县 镇沅县 江城县 孟连县 澜沧县 西盟县"),
    ("530900", "LC", "临沧市", "Lincang", "临翔区 凤庆县 云县 永德县 镇康县 双江县 耿马县 沧源县"),
    ("532300", "CX", "楚雄州", "Chuxiong", "楚雄市 双柏县 牟定县 南华县 姚安县 大姚县 永仁县 元谋县 武定县 禄丰市"),
    (
        "532500",
        "HH",
        "红河州",
        "Honghe",
        "个旧市 开远市 蒙自市 弥勒市 屏边县 建水县 石屏县 泸西县 元阳县 红河县 金平县 绿春县 河口县",
    ),
    ("532600", "WS", "文山州", "Wenshan", "文山市 砚山县 西畴县 麻栗坡县 马关县 丘北县 广南县 富宁县"),
    ("532800", "BN", "西双版纳州", "Xishuangbanna", "景洪市 勐海县 勐腊县"),
    (
        "532900",
        "DL",
        "大理州",
        "Dali",
        "大理市 漾濞县 祥云县 宾川县 弥渡县 南涧县 巍山县 永平县 云龙县 洱源县 剑川县 鹤庆县",
    ),
    ("533100", "DH", "德宏州", "Dehong", "瑞丽市 芒市 梁河县 盈江县 陇川县"),
    ("533300", "NJ", "怒江州", "Nujiang", "泸水市 福贡县 贡山县 兰坪县"),
    ("533400", "DQ", "迪庆州", "Diqing", "香格里拉市 德钦县 维西县"),
]

# Users per commission and role: (role, office kind, how many at province / city / county).
STAFF = [
    (Role.INTAKE, OfficeKind.LETTERS_VISITS, (8, 5, 3)),
    (Role.INVESTIGATOR, OfficeKind.INVESTIGATION, (40, 26, 20)),
    (Role.REVIEWER, OfficeKind.CASE_MANAGEMENT, (6, 3, 2)),
    (Role.REVIEWER, OfficeKind.CASE_TRIAL, (6, 3, 2)),
    (Role.SUPERVISOR, None, (6, 4, 3)),
    (Role.ADMIN, None, (2, 1, 0)),
]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红"


@dataclass
class Node:
    pk: int
    level: int
    parent_id: int | None
    path: str
    name_zh: str
    prefix: str  # reference prefix, e.g. QJ-ZY
    users: dict = field(default_factory=dict)  # role -> [user ids]

    @property
    def short(self) -> str:
        return self.name_zh.removesuffix("纪委监委")


@dataclass
class Province:
    nodes: dict  # pk -> Node
    root: Node

    def city_of(self, node: Node) -> Node | None:
        if node.level == CommissionLevel.MUNICIPAL:
            return node
        if node.level == CommissionLevel.COUNTY:
            return self.nodes[node.parent_id]
        return None


def _ensure_commissions() -> None:
    root = Commission.objects.get(division_code="530000")
    existing = set(Commission.objects.values_list("division_code", flat=True))
    new_cities = [
        Commission(
            name_zh=f"{zh}纪委监委",
            name_en=f"{en} Municipal Commission",
            level=CommissionLevel.MUNICIPAL,
            parent=root,
            division_code=code,
            abbr=abbr,
            path=f"{root.path}{code}/",
        )
        for code, abbr, zh, en, _counties in CITIES
        if code not in existing
    ]
    Commission.objects.bulk_create(new_cities)
    cities = {c.division_code: c for c in Commission.objects.filter(level=CommissionLevel.MUNICIPAL)}
    counties = []
    for code, _abbr, _zh, en, names in CITIES:
        city = cities[code]
        taken = {n.removesuffix("纪委监委") for n in city.children.values_list("name_zh", flat=True)}
        for index, name in enumerate(names.split()):
            county_code = f"{code[:4]}{50 + index:02d}"
            if name in taken or county_code in existing:
                continue
            counties.append(
                Commission(
                    name_zh=f"{name}纪委监委",
                    name_en=f"{en} county commission {index + 1}",
                    level=CommissionLevel.COUNTY,
                    parent=city,
                    division_code=county_code,
                    abbr=f"C{50 + index:02d}",
                    path=f"{city.path}{county_code}/",
                )
            )
    Commission.objects.bulk_create(counties)
    have = set(Office.objects.values_list("commission_id", "kind"))
    Office.objects.bulk_create(
        [
            Office(commission_id=pk, kind=kind)
            for pk in Commission.objects.values_list("pk", flat=True)
            for kind in OfficeKind.values
            if (pk, kind) not in have
        ]
    )


def _ensure_users() -> None:
    password = make_password(settings.DEMO_PASSWORD)
    offices = {(o.commission_id, o.kind): o.pk for o in Office.objects.all()}
    taken = set(User.objects.filter(username__startswith="s").values_list("username", flat=True))
    users, memberships = [], []
    n = 0
    for commission in Commission.objects.order_by("path"):
        level_index = {CommissionLevel.PROVINCIAL: 0, CommissionLevel.MUNICIPAL: 1}.get(commission.level, 2)
        for role, office_kind, counts in STAFF:
            for i in range(counts[level_index]):
                n += 1
                suffix = office_kind or role
                username = f"s{commission.division_code}-{suffix}-{i + 1:02d}".replace("_", "-")
                if username in taken:
                    continue
                full_name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 13) % len(GIVEN)]
                user = User(username=username, password=password, full_name=full_name)
                users.append(user)
                office = offices.get((commission.pk, office_kind)) if office_kind else None
                memberships.append((user, commission.pk, role, office))
    User.objects.bulk_create(users, batch_size=2000)
    Membership.objects.bulk_create(
        [Membership(user=u, commission_id=c, role=r, office_id=o) for u, c, r, o in memberships], batch_size=2000
    )


def build_province() -> Province:
    """Create what is missing and describe the whole tree (ids, paths, reference prefixes, users by role)."""
    accounts_demo.seed()
    _ensure_commissions()
    _ensure_users()
    rows = list(Commission.objects.order_by("path").values("pk", "level", "parent_id", "path", "name_zh", "abbr"))
    by_pk = {r["pk"]: r for r in rows}
    nodes = {}
    for r in rows:
        chain, current = [], r
        while current is not None:
            if current["level"] >= CommissionLevel.MUNICIPAL:
                chain.append(current["abbr"])
            current = by_pk.get(current["parent_id"])
        prefix = "-".join(reversed(chain)) or r["abbr"]
        nodes[r["pk"]] = Node(r["pk"], r["level"], r["parent_id"], r["path"], r["name_zh"], prefix)
    for user_id, commission_id, role in Membership.objects.order_by("user_id", "role").values_list(
        "user_id", "commission_id", "role"
    ):
        nodes[commission_id].users.setdefault(role, []).append(user_id)
    root = next(n for n in nodes.values() if n.level == CommissionLevel.PROVINCIAL)
    return Province(nodes=nodes, root=root)

"""Demo reports at every status, built through the services so every rule and audit event holds."""

import datetime
import random
import uuid

from django.utils import timezone

from accounts.models import Commission, User

from . import services
from .choices import (
    Area,
    Channel,
    DispositionKind,
    FalseGround,
    Finding,
    Rank,
    Status,
    SubjectKind,
)
from .contact import id_check_digit
from .models import Report, Subject
from .services import AllegationInput, ReporterInput, SubjectInput
from .vocabulary import GIVEN_NAMES, PROBLEMS, REPORTER_RELATIONS, SURNAMES, UNITS

# (login prefix, reports to create)
COMMISSIONS = [
    ("zhanyi", 26),
    ("qilin", 14),
    ("malong", 8),
    ("xuanwei", 8),
    ("huize", 6),
    ("luliang", 6),
    ("qujing", 10),
    ("kunming", 8),
    ("wuhua", 5),
    ("yuxi", 5),
]
TARGETS = [
    Status.REGISTERED,
    Status.REGISTERED,
    Status.DISPOSITION_PROPOSED,
    Status.DISPOSITION_APPROVED,
    Status.UNDER_VERIFICATION,
    Status.UNDER_VERIFICATION,
    Status.CONCLUDED,
    Status.CONCLUDED,
    Status.CLOSED,
    Status.CLOSED,
    Status.CLOSED,
    Status.HELD,
    Status.CLOSED_EARLY,
    Status.TRANSFERRED,
]
CHANNELS = [
    Channel.LETTER,
    Channel.VISIT,
    Channel.PHONE,
    Channel.ONLINE,
    Channel.SCAN_CODE,
    Channel.INSPECTION_TOUR,
    Channel.AUDIT,
    Channel.OTHER_DEPARTMENT,
    Channel.ONLINE,
]


def _user(prefix: str, role: str) -> User:
    return User.objects.get(username=f"{prefix}-{role}")


def _person(rng: random.Random, commission: Commission) -> SubjectInput:
    unit, position = rng.choice(UNITS)
    place = commission.name_zh.replace("纪委监委", "")
    rank = Rank.COUNTY_DIVISION if position == "局长" else Rank.TOWNSHIP_SECTION
    return SubjectInput(
        kind=SubjectKind.PERSON,
        name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES) + (rng.choice(GIVEN_NAMES) if rng.random() < 0.5 else ""),
        position=position,
        unit=place + unit.replace("区", "", 1) if unit.startswith("区") else place + unit,
        rank=rank,
        is_party_member=rng.random() < 0.9,
    )


def _subject_pool(rng, commission, size=6) -> list:
    """A few officials per commission so that reports repeat about the same people."""
    pool = [_person(rng, commission) for _ in range(size)]
    org_unit, _pos = rng.choice(UNITS)
    pool.append(
        SubjectInput(
            kind=SubjectKind.ORGANISATION,
            name=commission.name_zh.replace("纪委监委", "") + org_unit.replace("区", "", 1) + "党组",
            organisation_kind="party",
        )
    )
    return pool


def _register(rng, prefix, commission, pool, registry, days_ago) -> Report:
    intake = _user(prefix, "intake")
    count = rng.choice([1, 1, 2, 2, 3])
    chosen = rng.sample(range(len(pool)), k=min(count, len(pool)))
    allegations = []
    summary_parts = []
    for index in chosen:
        problem, category, _area = rng.choice(PROBLEMS)
        subject = registry.get(index)
        allegations.append(
            AllegationInput(
                text=f"{pool[index].name}{problem}",
                category=category,
                subject=subject,
                new_subject=None if subject else pool[index],
            )
        )
        summary_parts.append(f"{pool[index].name}{problem}")
    area = next((a for p, c, a in PROBLEMS if summary_parts[0].endswith(p)), Area.OTHER)
    anonymous = rng.random() < 0.45
    reporter = (
        ReporterInput(is_anonymous=True, relation=rng.choice(REPORTER_RELATIONS))
        if anonymous
        else ReporterInput(
            is_anonymous=False,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES) + rng.choice(GIVEN_NAMES),
            phone=f"13{rng.randint(100000000, 999999999)}",
            id_number=_resident_id(rng, commission.division_code),
            address=commission.name_zh.replace("纪委监委", "") + "某小区",
            relation=rng.choice(REPORTER_RELATIONS),
        )
    )
    registered = services.report_register(
        actor=intake,
        commission=commission,
        received_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        channel=rng.choice(CHANNELS),
        area=area,
        summary="反映" + "；".join(summary_parts) + "等问题。",
        allegations=allegations,
        reporter=reporter,
        submission_token=uuid.UUID(int=rng.getrandbits(128)),
        check_repeats=False,  # made-up reports in bulk
    )
    report = registered.report
    for allegation, index in zip(report.allegations.order_by("id"), chosen, strict=False):
        registry.setdefault(index, allegation.subject)
    return report


def _advance(rng, prefix, report, target, siblings):
    supervisor = _user(prefix, "supervisor")
    investigator = _user(prefix, "investigator")
    reviewer = _user(prefix, "reviewer")
    if target == Status.REGISTERED:
        return
    kind = {
        Status.HELD: DispositionKind.HOLD,
        Status.CLOSED_EARLY: DispositionKind.CLOSE,
        Status.TRANSFERRED: DispositionKind.TRANSFER,
    }.get(target, rng.choice([DispositionKind.PRELIMINARY, DispositionKind.PRELIMINARY, DispositionKind.TALK_LETTER]))
    transfer_to = None
    organ = ""
    if kind == DispositionKind.TRANSFER:
        if siblings and rng.random() < 0.6:
            transfer_to = rng.choice(siblings)
        else:
            organ = "公安机关"
    services.disposition_propose(
        actor=reviewer,
        report=report,
        kind=kind,
        reasons="经集体研判，拟" + str(DispositionKind(kind).label),
        transfer_to=transfer_to,
        transfer_organ=organ,
    )
    if target == Status.DISPOSITION_PROPOSED:
        return
    services.disposition_approve(actor=supervisor, report=report, reason="同意")
    if target in (Status.DISPOSITION_APPROVED, Status.HELD, Status.CLOSED_EARLY, Status.TRANSFERRED):
        return
    services.verification_start(actor=supervisor, report=report, investigators=[investigator])
    allegations = list(report.allegations.order_by("id"))
    recorded = allegations if target != Status.UNDER_VERIFICATION else allegations[: len(allegations) // 2]
    for allegation in recorded:
        finding = rng.choice(
            [
                Finding.UNSUBSTANTIATED,
                Finding.UNSUBSTANTIATED,
                Finding.SUBSTANTIATED,
                Finding.PARTLY,
                Finding.CANNOT_VERIFY,
            ]
        )
        suspected = finding == Finding.UNSUBSTANTIATED and rng.random() < 0.2
        services.finding_record(
            actor=investigator,
            report=report,
            allegation=allegation,
            finding=finding,
            notes="经调取相关资料、谈话了解，" + str(Finding(finding).label),
            suspected_false=suspected,
            false_grounds=FalseGround.FABRICATED_FACTS if suspected else "",
            false_grounds_notes="举报内容与调查事实明显不符" if suspected else "",
        )
    if target == Status.UNDER_VERIFICATION:
        return
    services.verification_conclude(actor=supervisor, report=report)
    if target == Status.CONCLUDED:
        return
    services.feedback_record(
        actor=_user(prefix, "intake"),
        report=report,
        text="您反映的问题已核查完毕，相关情况已依规依纪处理。感谢您对纪检监察工作的支持。",
        method="phone" if not report.reporter.is_anonymous else "online",
        given_on=timezone.localdate(),
    )
    services.report_close(actor=supervisor, report=report, reason="办结")


def seed() -> str:
    if Report.objects.exists():
        return "reports already present"
    rng = random.Random(20261123)
    created = 0
    for prefix, count in COMMISSIONS:
        commission = User.objects.get(username=f"{prefix}-intake").memberships.get(role="intake").commission
        siblings = (
            list(Commission.objects.filter(parent=commission.parent).exclude(pk=commission.pk))
            if commission.parent
            else []
        )
        pool = _subject_pool(rng, commission)
        registry: dict[int, Subject] = {}
        reports = []
        for i in range(count):
            days_ago = int((count - i) * (420 / count)) + rng.randint(0, 6)
            report = _register(rng, prefix, commission, pool, registry, days_ago)
            target = (
                TARGETS[i % len(TARGETS)]
                if i < count - 3
                else rng.choice([Status.REGISTERED, Status.DISPOSITION_PROPOSED, Status.UNDER_VERIFICATION])
            )
            if days_ago > 120 and target in (Status.REGISTERED, Status.DISPOSITION_PROPOSED):
                target = Status.CLOSED
            _advance(rng, prefix, report, target, siblings)
            reports.append(report)
            created += 1
        # Repeat reports about the same official link up.
        for later, earlier in zip(reports[3::4], reports[1::4], strict=False):
            shared = set(later.allegations.values_list("subject", flat=True)) & set(
                earlier.allegations.values_list("subject", flat=True)
            )
            later.refresh_from_db()
            earlier.refresh_from_db()
            if shared and later.commission_id == earlier.commission_id == commission.pk:
                services.report_link(actor=_user(prefix, "intake"), report=later, earlier=earlier, note="重复举报")
    _identity_request_waiting()
    return f"{created} reports"


def _identity_request_waiting():
    """zhanyi-investigator has asked to see a reporter; zhanyi-supervisor decides."""
    investigator = User.objects.get(username="zhanyi-investigator")
    report = (
        Report.objects.filter(commission__division_code="530303", reporter__is_anonymous=False)
        .exclude(status__in=[Status.CLOSED, Status.TRANSFERRED])
        .order_by("-id")
        .first()
    )
    if report is not None:
        services.identity_request(actor=investigator, report=report, reason="核查中需向举报人了解具体情况")


def _resident_id(rng, division_code: str) -> str:
    """A made-up resident ID number that passes the GB 11643 check, as the forms require."""
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 15000))
    first17 = f"{division_code[:6]}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)

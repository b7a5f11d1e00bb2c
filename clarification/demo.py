"""Demo clarifications: the Zhanyi example of DESIGN.md §2, a recommendation at every step, last month's
Qujing joint batch and a false-accusation case, all built through the services."""

import datetime
import uuid

from django.utils import timezone, translation

from accounts.models import Commission, User
from cases import services as case_services
from cases.choices import Area, Category, Channel, DispositionKind, FalseGround, Finding, Rank, SubjectKind
from cases.models import Report
from cases.services import AllegationInput, ReporterInput, SubjectInput

from . import services
from .choices import Audience, Method, Opinion, Status
from .models import Recommendation

NAMESPACE = uuid.UUID("8c7f3e0e-2b1d-4a5e-9a44-5b7a51c1a0d2")
OFFICES = (("letters_visits", "intake"), ("case_trial", "trial"), ("case_management", "reviewer"))


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _person(name, position, unit, rank, party=True) -> SubjectInput:
    return SubjectInput(
        kind=SubjectKind.PERSON, name=name, position=position, unit=unit, rank=rank, is_party_member=party
    )


def _organisation(name) -> SubjectInput:
    return SubjectInput(kind=SubjectKind.ORGANISATION, name=name, organisation_kind="party")


def _concluded(prefix: str, key: str, summary: str, allegations, findings, *, reporter=None, days_ago=60, flag=None):
    """Register, dispose, verify and conclude one report at the commission of `prefix`."""
    commission = Commission.objects.get(memberships__user__username=f"{prefix}-intake")
    intake, supervisor, investigator = (
        _user(f"{prefix}-intake"),
        _user(f"{prefix}-supervisor"),
        _user(f"{prefix}-investigator"),
    )
    existing = Report.objects.filter(submission_token=uuid.uuid5(NAMESPACE, key)).first()
    if existing is not None:
        return existing
    subjects = {}
    for _text, _category, data in allegations:
        if data.name not in subjects:
            subjects[data.name] = case_services.subject_create(commission=commission, data=data)
    registered = case_services.report_register(
        actor=intake,
        commission=commission,
        received_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        channel=Channel.LETTER if reporter else Channel.ONLINE,
        area=Area.PROCUREMENT,
        summary=summary,
        allegations=[AllegationInput(text=t, category=c, subject=subjects[d.name]) for t, c, d in allegations],
        reporter=reporter or ReporterInput(is_anonymous=True),
        submission_token=uuid.uuid5(NAMESPACE, key),
        check_repeats=False,  # made-up reports in bulk
    )
    report = registered.report
    if not registered.created:
        return report
    case_services.disposition_propose(
        actor=supervisor, report=report, kind=DispositionKind.PRELIMINARY, reasons="线索具体，拟初步核实"
    )
    case_services.disposition_approve(actor=supervisor, report=report)
    case_services.verification_start(actor=supervisor, report=report, investigators=[investigator])
    for index, (allegation, finding) in enumerate(zip(report.allegations.order_by("id"), findings, strict=True)):
        flagged = flag == index
        case_services.finding_record(
            actor=investigator,
            report=report,
            allegation=allegation,
            finding=finding,
            notes="经调取招投标档案、询问评标专家及投标企业，未发现所反映问题"
            if finding == Finding.UNSUBSTANTIATED
            else "经核查属实",
            suspected_false=flagged,
            false_grounds=FalseGround.FABRICATED_FACTS if flagged else "",
            false_grounds_notes="举报人明知中标企业合规仍捏造串标事实，系因本人所在企业未中标" if flagged else "",
        )
    case_services.verification_conclude(actor=supervisor, report=report)
    report.refresh_from_db()
    return report


def _draft(report: Report, prefix: str, name: str, method=Method.MEETING, audience=Audience.UNIT) -> Recommendation:
    allegations = list(report.allegations.filter(subject__name=name, finding=Finding.UNSUBSTANTIATED))
    return services.recommendation_draft(
        actor=_user(f"{prefix}-investigator"),
        report=report,
        subject=allegations[0].subject,
        allegations=allegations,
        method=method,
        audience=audience,
    )


def _review(recommendation: Recommendation, prefix: str, offices=OFFICES) -> None:
    for office, suffix in offices:
        services.review_record(
            actor=_user(f"{prefix}-{suffix}"), recommendation=recommendation, office=office, opinion=Opinion.AGREE
        )


def _to(recommendation: Recommendation, prefix: str, status: str) -> Recommendation:
    drafter = _user(f"{prefix}-investigator")
    if status == Status.DRAFT:
        return recommendation
    services.recommendation_submit_review(actor=drafter, recommendation=recommendation)
    if status == Status.IN_REVIEW:
        _review(recommendation, prefix, OFFICES[:1])
        return recommendation
    _review(recommendation, prefix)
    services.recommendation_submit(actor=drafter, recommendation=recommendation)
    recommendation.refresh_from_db()
    if status == Status.PENDING_APPROVAL:
        return recommendation
    approver = User.objects.filter(
        memberships__commission=recommendation.approving_commission, memberships__role="supervisor"
    ).first()
    if status == Status.REJECTED:
        services.recommendation_reject(
            actor=approver, recommendation=recommendation, reason="本人明确表示不愿公开澄清，尊重本人意愿"
        )
        return recommendation
    services.recommendation_approve(actor=approver, recommendation=recommendation)
    recommendation.refresh_from_db()
    return recommendation


ZY_UNIT = "沾益区应急管理局"


def seed() -> str:
    # The statements are official documents in Chinese, whatever language the command runs in.
    with translation.override("zh-hans"):
        return _seed()


def _seed() -> str:
    if Recommendation.objects.exists():
        return f"{Recommendation.objects.count()} recommendations already present"
    today = timezone.localdate()
    named = ReporterInput(
        is_anonymous=False, name="赵某某", phone="13912345678", address="沾益区西平街道", relation="投标企业员工"
    )
    # The Zhanyi example (DESIGN.md §2): relief-materials procurement, bid collusion and cancellation, untrue.
    example = _concluded(
        "zhanyi",
        "zhanyi-example",
        "某公司员工反映：区应急管理局在救灾物资采购中存在串通投标、随意取消中标结果等问题",
        [
            (
                "在救灾物资采购中与投标企业串通投标",
                Category.INTEGRITY,
                _person("杨某", "局长", ZY_UNIT, Rank.TOWNSHIP_SECTION),
            ),
            ("随意取消中标结果，指定供应商", Category.WORK, _person("杨某", "局长", ZY_UNIT, Rank.TOWNSHIP_SECTION)),
        ],
        [Finding.UNSUBSTANTIATED, Finding.UNSUBSTANTIATED],
        reporter=named,
        days_ago=75,
        flag=0,
    )
    zy_example = _draft(example, "zhanyi", example.allegations.first().subject.name)
    _to(zy_example, "zhanyi", Status.APPROVED)

    county_level = _concluded(
        "zhanyi",
        "zhanyi-county-level",
        "反映区住建局副局长在保障房分配中优亲厚友",
        [
            (
                "在保障性住房分配中优亲厚友",
                Category.MASS,
                _person("周某", "副区长", "沾益区人民政府", Rank.COUNTY_DIVISION),
            )
        ],
        [Finding.UNSUBSTANTIATED],
        days_ago=70,
    )
    city_approved = _to(
        _draft(county_level, "zhanyi", "周某", Method.NOTIFICATION, Audience.SECTOR), "zhanyi", Status.APPROVED
    )

    qilin = _concluded(
        "qilin",
        "qilin-party-branch",
        "反映某社区党支部违规发放集体收益",
        [("违规发放集体经济收益", Category.INTEGRITY, _organisation("麒麟区某社区党支部"))],
        [Finding.UNSUBSTANTIATED],
        days_ago=65,
    )
    qilin_org = _to(
        _draft(qilin, "qilin", "麒麟区某社区党支部", Method.MEETING, Audience.UNIT), "qilin", Status.APPROVED
    )

    # Last month's Qujing joint batch: each county carries out its own clarifications and records them, each
    # with its own place and people; the batch is carried out when the last of them is.
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    qujing = Commission.objects.get(division_code="530300")
    batch = services.batch_build(city=qujing, month=last_month, actor=_user("qujing-supervisor"))
    executions = [
        (zy_example, "zhanyi", "沾益区应急管理局会议室（市县联动澄清正名会）", "区纪委监委分管领导，局班子成员"),
        (city_approved, "zhanyi", "沾益区住房和城乡建设局会议室", "区纪委监委分管领导，住建系统班子成员"),
        (qilin_org, "qilin", "麒麟区某社区党群服务中心", "区纪委监委分管领导，社区党员代表"),
    ]
    for recommendation, prefix, place, participants in executions:
        services.batch_item_execute(
            actor=_user(f"{prefix}-investigator"),
            batch=batch,
            recommendation=recommendation,
            executed_on=today,
            place=place,
            participants=participants,
        )
    services.clarification_feedback(
        actor=_user("zhanyi-intake"),
        recommendation=zy_example,
        text="经沾益区纪委监委核查，您反映的问题不属实，已在市县联动澄清正名会上予以澄清。",
        method="phone",
        given_on=today,
    )
    services.return_visit_record(
        actor=_user("zhanyi-investigator"),
        recommendation=city_approved,
        visited_on=today,
        notes="谈心谈话：本人表示放下包袱、轻装上阵，所在单位反映工作状态良好",
    )

    # The accuser's case, linked to the Zhanyi example's clarification.
    flagged = example.allegations.get(suspected_false=True)
    case = services.false_case_open(
        actor=_user("zhanyi-reviewer"),
        allegation=flagged,
        accuser_known=True,
        accuser_class="other",
        means="fabricated",
        means_notes="捏造串通投标事实，多次向多部门重复举报",
        aggravations=["adverse_effects", "repeated"],
    )
    measure = services.measure_propose(
        actor=_user("zhanyi-reviewer"),
        case=case,
        kind="transfer",
        subkind="public_security",
        details="移送涉嫌诬告陷害线索材料一套",
        counterpart="曲靖市公安局沾益分局",
        sent_on=today,
    )
    services.measure_decide(actor=_user("zhanyi-supervisor"), measure=measure, approve=True)
    services.measure_propose(
        actor=_user("zhanyi-reviewer"),
        case=case,
        kind="exposure",
        subkind="internal",
        details="作为诬告陷害典型案例在全区内部通报",
    )

    # One recommendation at every other step.
    steps = [
        (
            "zhanyi",
            "step-draft",
            "反映区教育体育局干部违规收受礼金",
            "违规收受学校礼金",
            Category.INTEGRITY,
            _person("陈某", "股长", "沾益区教育体育局", Rank.TOWNSHIP_SECTION),
            Status.DRAFT,
        ),
        (
            "zhanyi",
            "step-review",
            "反映某镇党委副书记插手工程",
            "插手村级工程项目",
            Category.INTEGRITY,
            _person("刘某", "党委副书记", "沾益区盘江镇", Rank.TOWNSHIP_SECTION),
            Status.IN_REVIEW,
        ),
        (
            "zhanyi",
            "step-pending",
            "反映区医保局科长违规报销",
            "违规报销差旅费",
            Category.INTEGRITY,
            _person("黄某", "科长", "沾益区医疗保障局", Rank.TOWNSHIP_SECTION),
            Status.PENDING_APPROVAL,
        ),
        (
            "qilin",
            "step-approved",
            "反映区人社局干部吃拿卡要",
            "办理社保业务吃拿卡要",
            Category.MASS,
            _person("吴某", "科员", "麒麟区人力资源和社会保障局", Rank.GENERAL),
            Status.APPROVED,
        ),
        (
            "zhanyi",
            "step-rejected",
            "反映区农业农村局干部违规发放补贴",
            "违规发放惠农补贴",
            Category.MASS,
            _person("孙某", "副局长", "沾益区农业农村局", Rank.TOWNSHIP_SECTION),
            Status.REJECTED,
        ),
    ]
    for prefix, key, summary, text, category, person, status in steps:
        report = _concluded(prefix, key, summary, [(text, category, person)], [Finding.UNSUBSTANTIATED])
        _to(_draft(report, prefix, person.name), prefix, status)
    counts = {s: Recommendation.objects.filter(status=s).count() for s in Status.values}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    return f"recommendations: {summary}; batch {batch}; 1 false-accusation case"

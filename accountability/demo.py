"""Demo accountability cases at every stage, built through the services (called by core.demo)."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Commission, User
from cases.choices import OrganisationKind, Rank, SubjectKind
from cases.selectors import reports_visible_to
from cases.services import SubjectInput, subject_create

from . import services
from .choices import Circumstance, Form, Measure, Trigger
from .models import AccountabilityCase, ExemptionEntry
from .services import DecisionInput


def _person(commission, name, position, unit, rank):
    return subject_create(
        commission=commission,
        data=SubjectInput(
            kind=SubjectKind.PERSON, name=name, position=position, unit=unit, rank=rank, is_party_member=True
        ),
    )


def _organisation(commission, name):
    return subject_create(
        commission=commission,
        data=SubjectInput(
            kind=SubjectKind.ORGANISATION, name=name, organisation_kind=OrganisationKind.PARTY_ORGANISATION
        ),
    )


def _musts(actor, target, statement="本人对履职不到位问题作了说明，表示接受组织处理"):
    services.four_musts_record(
        actor=actor,
        target=target,
        statement=statement,
        unit_opinion="所在单位党组织认为事实清楚，建议依规问责",
        department_opinion="上级业务主管部门同意问责意见",
        effect_assessment="问责有利于压实责任、教育警示，社会效果良好",
    )


def _assess(actor, target, circumstance=Circumstance.ORDINARY, entries=(), reasons=""):
    services.assessment_record(
        actor=actor,
        target=target,
        motive="出于工作需要，无谋取私利动机",
        attitude="主动说明情况，认错态度较好",
        performance="一贯工作表现较好",
        loss_recovery="已积极整改，损失基本挽回",
        circumstance=circumstance,
        exemption_entries=entries,
        exemption_reasons=reasons,
    )


def _propose(actor, case, data, circumstance=Circumstance.ORDINARY, entries=(), reasons="", organisation_data=None):
    """Organisations get `organisation_data` (their own measures, no form); people get `data`."""
    decisions = []
    for target in case.targets.all():
        _musts(actor, target)
        _assess(actor, target, circumstance, entries, reasons)
        chosen = organisation_data if organisation_data and target.kind == SubjectKind.ORGANISATION else data
        decisions.append(services.decision_propose(actor=actor, target=target, data=chosen))
    return decisions


def _investigating(supervisor, commission, subjects, trigger, facts, *, team=(), reports=(), initiated_on=None):
    """A case the supervisor initiated and put under investigation."""
    case = services.case_initiate(
        actor=supervisor,
        commission=commission,
        trigger=trigger,
        facts=facts,
        subjects=subjects,
        reports=reports,
        team=team,
        initiated_on=initiated_on,
    )
    services.case_start_investigation(actor=supervisor, case=case)
    return case


def _decided(
    proposer, approver, case, data, circumstance=Circumstance.ORDINARY, *, entries=(), reasons="", decided_on=None
):
    """The decision on the case's one target, proposed and approved."""
    (decision,) = _propose(proposer, case, data, circumstance, entries, reasons)
    services.decision_approve(actor=approver, decision=decision, decided_on=decided_on)
    return decision


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@transaction.atomic
def _ensure_catalogue() -> None:
    """The Yunnan catalogue comes from a data migration; put it back if a test flush removed it."""
    from importlib import import_module

    from django.apps import apps

    import_module("accountability.migrations.0002_yunnan_catalogue").load(apps, None)
    import_module("accountability.migrations.0004_measures_allowed").load(apps, None)


def seed() -> str:
    _ensure_catalogue()
    if AccountabilityCase.objects.exists():
        return f"{AccountabilityCase.objects.count()} accountability cases (kept)"
    names = [
        "qujing-supervisor",
        "qujing-investigator",
        "zhanyi-supervisor",
        "zhanyi-investigator",
        "zhanyi-reviewer",
        "zhanyi-intake",
    ]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    try:
        qj_sup, qj_inv = users["qujing-supervisor"], users["qujing-investigator"]
        zy_sup, zy_inv = users["zhanyi-supervisor"], users["zhanyi-investigator"]
        zy_rev, zy_intake = users["zhanyi-reviewer"], users["zhanyi-intake"]
    except KeyError:
        return ""
    qujing = Commission.objects.get(division_code="530300")
    zhanyi = Commission.objects.get(division_code="530303")
    today = timezone.localdate()
    organ_zy, organ_qj = "沾益区纪委监委", "曲靖市纪委监委"
    first_form = DecisionInput(form=Form.FIRST, measures=[Measure.TALK_REMINDER], deciding_organ=organ_zy)
    adjustment = DecisionInput(form=Form.SECOND, measures=[Measure.ORGANISATIONAL_ADJUSTMENT], deciding_organ=organ_zy)

    # 1. Initiated: a city case just opened.
    forestry = _person(qujing, "周某", "副局长", "曲靖市林业和草原局", Rank.COUNTY_DIVISION)
    services.case_initiate(
        actor=qj_sup,
        commission=qujing,
        trigger=Trigger.FORMALISM,
        facts="森林防火检查流于形式，台账造假应付上级督查",
        subjects=[forestry],
        team=[qj_inv],
    )

    # 2. Investigating, the four musts half recorded; linked to a report of the cases demo if any.
    township = _person(zhanyi, "孙某", "镇长", "沾益区白水镇人民政府", Rank.TOWNSHIP_SECTION)
    report = reports_visible_to(zy_sup).filter(commission=zhanyi).order_by("id").first()
    facts = "乡村振兴衔接资金拨付滞后，项目建设进度严重滞后"
    case = _investigating(
        zy_sup,
        zhanyi,
        [township],
        Trigger.POVERTY_RURAL,
        facts,
        team=[zy_inv],
        reports=[report] if report else [],
        initiated_on=_days_ago(12),
    )
    services.four_musts_record(actor=zy_inv, target=case.targets.get(), statement="本人陈述：资金拨付滞后属实")

    # 3. An organisation with its leaders: the party group and the deputy decided at the district,
    #    the director (county-division level, managed by the city) waiting for Qujing's approval.
    group = _organisation(zhanyi, "沾益区应急管理局党组")
    director = _person(zhanyi, "李某", "局长", "沾益区应急管理局", Rank.COUNTY_DIVISION)
    deputy = _person(zhanyi, "王某", "副局长", "沾益区应急管理局", Rank.TOWNSHIP_SECTION)
    facts = "辖区煤矿发生较大生产安全事故，应急管理局党组履行监管主体责任不力"
    case = _investigating(
        zy_sup,
        zhanyi,
        [group, director, deputy],
        Trigger.PRODUCTION_SAFETY,
        facts,
        team=[zy_inv],
        initiated_on=_days_ago(30),
    )
    circulation = DecisionInput(measures=[Measure.ORG_CIRCULATION], deciding_organ=organ_zy)
    for decision in _propose(zy_inv, case, adjustment, organisation_data=circulation):
        if decision.approving_commission_id == zhanyi.pk:
            services.decision_approve(actor=zy_sup, decision=decision)

    # 4. A first-form decision, implemented.
    clerk = _person(zhanyi, "赵某", "股长", "沾益区生态环境分局", Rank.GENERAL)
    facts = "对企业超标排放问题巡查发现后未及时督促整改"
    case = _investigating(zy_sup, zhanyi, [clerk], Trigger.ECOLOGY, facts, team=[zy_inv], initiated_on=_days_ago(40))
    _decided(zy_inv, zy_sup, case, first_form, Circumstance.LIGHTER, decided_on=_days_ago(20))
    services.case_implement(actor=zy_inv, case=case)

    # 5. An exemption citing the Yunnan catalogue.
    doctor = _person(zhanyi, "陈某", "院长", "沾益区人民医院", Rank.TOWNSHIP_SECTION)
    facts = "疫情防控应急处置中临时征用场地，程序不完备"
    case = _investigating(zy_sup, zhanyi, [doctor], Trigger.EPIDEMIC, facts, initiated_on=_days_ago(50))
    entry = ExemptionEntry.objects.filter(province_code="530000", code="YN-04").first()
    reasons = "情况紧急、临机决断，未谋取私利，符合容错免责情形"
    exempted = DecisionInput(deciding_organ=organ_zy)
    _decided(zy_sup, zy_sup, case, exempted, Circumstance.EXEMPTION, entries=[entry] if entry else [], reasons=reasons)
    services.case_implement(actor=zy_sup, case=case)
    services.case_close(actor=zy_sup, case=case, reason="依规免责")

    # 6. A complaint that changed a decision (organisational adjustment changed to admonition).
    teacher = _person(zhanyi, "刘某", "校长", "沾益区第一中学", Rank.TOWNSHIP_SECTION)
    facts = "学校食堂食品安全管理制度落实不到位"
    case = _investigating(zy_sup, zhanyi, [teacher], Trigger.OTHER, facts, team=[zy_inv], initiated_on=_days_ago(45))
    decision = _decided(zy_inv, zy_sup, case, adjustment, decided_on=_days_ago(25))
    complaint = services.complaint_lodge(
        actor=zy_intake,
        decision=decision,
        grounds="本人已第一时间整改，认为调整职务处理过重",
        received_on=_days_ago(15),
    )
    services.complaint_review(
        actor=zy_rev, complaint=complaint, opinion="整改及时，情节较轻，建议变更为诫勉", recommendation="changed"
    )
    admonition = DecisionInput(
        form=Form.FIRST, measures=[Measure.ADMONITION], deciding_organ=organ_zy, circumstance=Circumstance.LIGHTER
    )
    services.complaint_resolve(
        actor=zy_sup,
        complaint=complaint,
        outcome="changed",
        reasons="经复查，情节较轻，变更为诫勉",
        correction=admonition,
    )

    # 7. An influence period ending this month: the "may be used again" review is due.
    planner = _person(zhanyi, "杨某", "主任", "沾益区发展和改革局", Rank.TOWNSHIP_SECTION)
    facts = "重大项目审批推进不力，影响全区重点工作落实"
    case = _investigating(
        zy_sup, zhanyi, [planner], Trigger.MAJOR_DECISIONS, facts, initiated_on=services.add_months(today, -7)
    )
    day = services.add_months(today.replace(day=1), -6)
    admonition = DecisionInput(form=Form.FIRST, measures=[Measure.ADMONITION], deciding_organ=organ_zy)
    _decided(zy_sup, zy_sup, case, admonition, decided_on=day)
    services.case_implement(actor=zy_sup, case=case, implemented_on=day)

    # 8. A complaint waiting for review.
    ranger = _person(zhanyi, "吴某", "站长", "沾益区林业站", Rank.GENERAL)
    facts = "林区巡护不到位，发生违法占用林地未及时发现"
    case = _investigating(zy_sup, zhanyi, [ranger], Trigger.ECOLOGY, facts, team=[zy_inv], initiated_on=_days_ago(20))
    decision = _decided(zy_inv, zy_sup, case, first_form)
    services.complaint_lodge(actor=zy_intake, decision=decision, grounds="巡护范围过大，人手不足", received_on=today)

    # 9. A fourth-form case at the city, with its transfer to judicial organs.
    builder = _person(qujing, "郑某", "原主任", "曲靖市住房和城乡建设局", Rank.TOWNSHIP_SECTION)
    facts = "违规审批导致在建工程坍塌，造成人员伤亡"
    case = _investigating(
        qj_sup, qujing, [builder], Trigger.PRODUCTION_SAFETY, facts, team=[qj_inv], initiated_on=_days_ago(60)
    )
    transfer = DecisionInput(
        form=Form.FOURTH,
        measures=[Measure.SANCTION, Measure.JUDICIAL_TRANSFER],
        deciding_organ=organ_qj,
        transfer_organ="曲靖市人民检察院",
        transfer_reference="曲纪移〔2026〕5号",
    )
    _decided(qj_inv, qj_sup, case, transfer, Circumstance.HEAVIER)
    services.case_implement(actor=qj_inv, case=case)
    services.case_close(actor=qj_sup, case=case, reason="已移送司法机关")
    return f"{AccountabilityCase.objects.count()} accountability cases"

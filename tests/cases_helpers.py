"""Building reports through the real services, for tests of every later stage."""

import datetime
import uuid

from django.utils import timezone

from cases import services
from cases.choices import Category, DispositionKind, Finding, Rank, SubjectKind
from cases.services import AllegationInput, ReporterInput, SubjectInput


def zhanyi_official(name="李某", rank=Rank.COUNTY_DIVISION):
    return SubjectInput(
        kind=SubjectKind.PERSON, name=name, position="局长", unit="沾益区应急管理局", rank=rank, is_party_member=True
    )


def register(intake, commission, *, allegations=None, anonymous=False, summary=None, token=None, uploads=()):
    allegations = allegations or [
        AllegationInput(text="应急物资采购中串通投标", category=Category.INTEGRITY, new_subject=zhanyi_official()),
        AllegationInput(
            text="随意取消中标结果", category=Category.WORK, new_subject=zhanyi_official("王某", Rank.TOWNSHIP_SECTION)
        ),
    ]
    reporter = (
        ReporterInput(is_anonymous=True)
        if anonymous
        else ReporterInput(
            is_anonymous=False,
            name="张举报",
            phone="13800000000",
            id_number="530303199001011239",
            address="沾益区某街道",
            relation="投标公司员工",
        )
    )
    return services.report_register(
        actor=intake,
        commission=commission,
        received_on=timezone.localdate() - datetime.timedelta(days=3),
        channel="letter",
        area="procurement",
        summary=summary or "反映区应急管理局救灾物资采购中存在串通投标、随意取消中标等问题",
        allegations=allegations,
        reporter=reporter,
        uploads=list(uploads),
        submission_token=token or uuid.uuid4(),
        check_repeats=False,  # fixtures: similar reports on purpose
    )


def to_verification(report, supervisor, investigators, kind=DispositionKind.PRELIMINARY):
    services.disposition_propose(actor=supervisor, report=report, kind=kind, reasons="需初步核实")
    services.disposition_approve(actor=supervisor, report=report)
    services.verification_start(actor=supervisor, report=report, investigators=investigators)
    report.refresh_from_db()
    return report


def to_concluded(report, supervisor, investigator, findings=(Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED)):
    to_verification(report, supervisor, [investigator])
    for allegation, finding in zip(report.allegations.order_by("id"), findings, strict=False):
        services.finding_record(
            actor=investigator, report=report, allegation=allegation, finding=finding, notes="经核查"
        )
    services.verification_conclude(actor=supervisor, report=report)
    report.refresh_from_db()
    return report

"""What the benchmarks request, chosen from the data: the busiest county, its people, a deep cursor..."""

from dataclasses import dataclass


@dataclass
class Targets:
    province: int
    county: int
    province_supervisor: str
    county_supervisor: str
    investigator: str
    intake: str  # the county's intake officer
    reviewer: str  # one of the county's reviewing offices
    city_supervisor: str
    report: int
    subject: int
    subject_reports: int
    deep_cursor: str
    reports: int


def find() -> Targets:
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Commission, CommissionLevel, Membership
    from accounts.roles import Role
    from cases.models import Allegation, Assignment, Report
    from core.keyset import _encode

    province = Commission.objects.get(level=CommissionLevel.PROVINCIAL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases_report'")
        estimate = cursor.fetchone()[0]
        # The busiest county, from a sample (no whole-table count needed).
        cursor.execute(
            "SELECT commission_id FROM cases_report r TABLESAMPLE SYSTEM (5) JOIN accounts_commission c "
            "ON c.id = r.commission_id WHERE c.level = 4 GROUP BY commission_id ORDER BY count(*) DESC LIMIT 1"
        )
        row = cursor.fetchone()
    county = Commission.objects.get(pk=row[0]) if row else Commission.objects.filter(level=4).first()
    supervisor = Membership.objects.filter(commission=county, role=Role.SUPERVISOR).order_by("user_id").first()

    def first(commission, role) -> str:
        found = Membership.objects.filter(commission=commission, role=role).order_by("user_id").first()
        return (found or supervisor).user.username

    busiest = (
        Assignment.objects.filter(report__commission=county, active=True, report__status="under_verification")
        .values("user__username")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    report = (
        Report.objects.filter(commission=county, status="closed", outcome="clarification")
        .annotate(n=Count("allegations"))
        .order_by("-id")
        .first()
    )
    top = (
        Allegation.objects.filter(subject__commission=county)
        .values("subject_id")
        .annotate(n=Count("report_id", distinct=True))
        .order_by("-n")
        .first()
    )
    oldest = Report.objects.order_by("id").values_list("id", flat=True)[50:51]
    return Targets(
        province=province.pk,
        county=county.pk,
        province_supervisor="yunnan-supervisor",
        county_supervisor=supervisor.user.username,
        investigator=busiest["user__username"] if busiest else supervisor.user.username,
        intake=first(county, Role.INTAKE),
        reviewer=first(county, Role.REVIEWER),
        city_supervisor=first(county.parent, Role.SUPERVISOR),
        report=report.pk,
        subject=top["subject_id"],
        subject_reports=top["n"],
        deep_cursor=_encode([oldest[0]]),
        reports=int(estimate),
    )

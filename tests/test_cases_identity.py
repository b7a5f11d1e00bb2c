import pytest

from audit.models import AuditEvent
from cases import services
from cases.choices import AccessStatus
from cases.selectors import can_see_identity
from core.errors import DomainError

from .cases_helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


def test_intake_of_the_handling_commission_sees_the_identity(report, zhanyi_intake, zhanyi_investigator):
    assert can_see_identity(zhanyi_intake, report)
    assert not can_see_identity(zhanyi_investigator, report)
    identity = services.identity_reveal(actor=zhanyi_intake, report=report)
    assert identity["name"] == "张举报"
    assert AuditEvent.objects.filter(action="identity.reveal", actor=zhanyi_intake).count() == 1


def test_reveal_is_refused_without_a_grant(report, zhanyi_investigator, qujing_supervisor):
    for user in (zhanyi_investigator, qujing_supervisor):
        with pytest.raises(DomainError) as refusal:
            services.identity_reveal(actor=user, report=report)
        assert refusal.value.code == "forbidden"
    assert not AuditEvent.objects.filter(action="identity.reveal").exists()


def test_request_grant_reveal_and_revoke(report, zhanyi_investigator, zhanyi_supervisor):
    access = services.identity_request(actor=zhanyi_investigator, report=report, reason="需核实举报人陈述")
    assert access.status == AccessStatus.PENDING
    services.identity_decide(actor=zhanyi_supervisor, access=access, grant=True, reason="同意")
    assert services.identity_reveal(actor=zhanyi_investigator, report=report)["phone"] == "13800000000"
    access.refresh_from_db()
    services.identity_revoke(actor=zhanyi_supervisor, access=access, reason="核实完毕")
    assert not can_see_identity(zhanyi_investigator, report)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"identity.request", "identity.grant", "identity.reveal", "identity.revoke"} <= actions


def test_refusal_keeps_the_identity_hidden(report, zhanyi_investigator, zhanyi_supervisor):
    access = services.identity_request(actor=zhanyi_investigator, report=report, reason="r")
    services.identity_decide(actor=zhanyi_supervisor, access=access, grant=False, reason="无必要")
    assert not can_see_identity(zhanyi_investigator, report)


def test_self_grant_is_refused(tree, report, zhanyi_supervisor):
    access = services.identity_request(actor=zhanyi_supervisor, report=report, reason="r")
    with pytest.raises(DomainError) as refusal:
        services.identity_decide(actor=zhanyi_supervisor, access=access, grant=True, reason="self")
    assert refusal.value.code == "self_grant"
    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING


def test_a_supervisor_of_another_commission_cannot_grant(report, zhanyi_investigator, qujing_supervisor):
    access = services.identity_request(actor=zhanyi_investigator, report=report, reason="r")
    with pytest.raises(DomainError) as refusal:
        services.identity_decide(actor=qujing_supervisor, access=access, grant=True, reason="r")
    assert refusal.value.code == "forbidden"


def test_anonymous_reporter_has_no_identity_to_request(tree, zhanyi_intake, zhanyi_investigator):
    report = register(zhanyi_intake, tree["zhanyi"], anonymous=True).report
    with pytest.raises(DomainError) as refusal:
        services.identity_request(actor=zhanyi_investigator, report=report, reason="r")
    assert refusal.value.code == "anonymous"


def test_request_needs_a_reason(report, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        services.identity_request(actor=zhanyi_investigator, report=report, reason="  ")
    assert refusal.value.code == "required"

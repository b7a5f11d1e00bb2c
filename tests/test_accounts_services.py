import pytest

from accounts import services
from accounts.models import Commission, CommissionLevel, Membership, Office
from accounts.roles import Role
from audit.models import AuditEvent
from core.errors import DomainError

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_commission_tree_paths_support_subtree_queries(tree):
    below_qujing = Commission.objects.filter(path__startswith=tree["qujing"].path)
    assert set(below_qujing) == {tree["qujing"], tree["zhanyi"], tree["qilin"]}
    assert tree["zhanyi"].reference_prefix() == "QJ-ZY"
    assert tree["zhanyi"].is_within(tree["yunnan"])
    assert not tree["zhanyi"].is_within(tree["kunming"])


def test_commission_refuses_a_cycle_and_writes_nothing(tree):
    before = {c.pk: (c.parent_id, c.path) for c in Commission.objects.all()}
    with pytest.raises(DomainError) as refusal:
        services.commission_update(commission=tree["qujing"], parent=tree["zhanyi"])
    assert refusal.value.code == "cycle"
    with pytest.raises(DomainError) as refusal:
        services.commission_update(commission=tree["qujing"], parent=tree["qujing"])
    assert refusal.value.code == "cycle"
    assert {c.pk: (c.parent_id, c.path) for c in Commission.objects.all()} == before


def test_commission_refuses_a_child_at_or_above_its_parent_level(tree):
    with pytest.raises(DomainError) as refusal:
        services.commission_create(
            name_zh="错",
            name_en="Wrong",
            level=CommissionLevel.MUNICIPAL,
            division_code="530399",
            abbr="X",
            parent=tree["qujing"],
        )
    assert refusal.value.code == "level"
    assert refusal.value.code == "level"
    assert not Commission.objects.filter(division_code="530399").exists()


def test_commission_move_rewrites_the_subtree(tree):
    services.commission_update(commission=tree["qujing"], parent=tree["yunnan"], name_en="Qujing City")
    services.commission_update(commission=tree["zhanyi"], parent=tree["kunming"])
    zhanyi = Commission.objects.get(pk=tree["zhanyi"].pk)
    assert zhanyi.path == "/530000/530100/530303/"
    assert zhanyi.reference_prefix() == "KM-ZY"
    assert AuditEvent.objects.filter(action="commission.update", target_id=str(zhanyi.pk)).exists()


def test_membership_refuses_unknown_role(tree):
    user = UserFactory()
    with pytest.raises(DomainError) as refusal:
        services.membership_create(user=user, commission=tree["zhanyi"], role="emperor")
    assert refusal.value.code == "role"
    assert not Membership.objects.filter(user=user).exists()


def test_membership_refuses_commission_outside_the_tree(tree):
    user = UserFactory()
    stray = Commission(name_zh="虚构", name_en="Imaginary", level=4, division_code="999999", abbr="X", path="/x/")
    with pytest.raises(DomainError) as refusal:
        services.membership_create(user=user, commission=stray, role=Role.INVESTIGATOR)
    assert refusal.value.code == "commission"
    assert not Membership.objects.filter(user=user).exists()


def test_membership_refuses_the_same_role_twice(tree):
    user = UserFactory()
    services.membership_create(user=user, commission=tree["zhanyi"], role=Role.INVESTIGATOR)
    with pytest.raises(DomainError) as refusal:
        services.membership_create(user=user, commission=tree["zhanyi"], role=Role.INVESTIGATOR)
    assert refusal.value.code == "duplicate"
    assert Membership.objects.filter(user=user).count() == 1


def test_membership_refuses_an_office_of_another_commission(tree):
    user = UserFactory()
    office = Office.objects.get(commission=tree["qilin"], kind="letters_visits")
    with pytest.raises(DomainError) as refusal:
        services.membership_create(user=user, commission=tree["zhanyi"], role=Role.INTAKE, office=office)
    assert refusal.value.code == "office"
    assert not Membership.objects.filter(user=user).exists()


def test_a_person_can_hold_several_roles(tree):
    user = UserFactory()
    services.membership_create(user=user, commission=tree["zhanyi"], role=Role.INVESTIGATOR)
    services.membership_create(user=user, commission=tree["zhanyi"], role=Role.REVIEWER)
    services.membership_create(user=user, commission=tree["qujing"], role=Role.INVESTIGATOR)
    assert Membership.objects.filter(user=user).count() == 3
    assert AuditEvent.objects.filter(action="membership.create").count() >= 3

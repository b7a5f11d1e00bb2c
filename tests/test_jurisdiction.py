import pytest
from django.http import Http404

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import Role

from .factories import member

pytestmark = pytest.mark.django_db


def test_county_officer_reaches_only_its_own_commission(tree, zhanyi_investigator):
    ids = jurisdiction.readable_commission_ids(zhanyi_investigator)
    assert ids == {tree["zhanyi"].pk}
    assert not jurisdiction.can_read_commission(zhanyi_investigator, tree["qilin"])
    assert not jurisdiction.can_read_commission(zhanyi_investigator, tree["qujing"])


def test_county_supervisor_does_not_reach_sibling_or_city(tree, zhanyi_supervisor):
    assert jurisdiction.readable_commission_ids(zhanyi_supervisor) == {tree["zhanyi"].pk}


def test_city_supervisor_reads_its_counties_but_not_another_city(tree, qujing_supervisor):
    ids = jurisdiction.readable_commission_ids(qujing_supervisor)
    assert ids == {tree["qujing"].pk, tree["zhanyi"].pk, tree["qilin"].pk}
    assert tree["kunming"].pk not in ids
    assert tree["yunnan"].pk not in ids


def test_city_investigator_does_not_read_its_counties(tree):
    investigator = member("qujing-investigator", tree["qujing"], Role.INVESTIGATOR)
    assert jurisdiction.readable_commission_ids(investigator) == {tree["qujing"].pk}


def test_scope_limits_a_queryset_to_the_reach(tree, qujing_supervisor):
    scoped = jurisdiction.scope(Commission.objects.all(), qujing_supervisor, commission_field="id")
    assert set(scoped.values_list("division_code", flat=True)) == {"530300", "530303", "530302"}


def test_guardian_grant_opens_exactly_one_object(tree, zhanyi_investigator):
    perm = "accounts.view_commission"
    before = jurisdiction.scope(Commission.objects.all(), zhanyi_investigator, commission_field="id", grant_perm=perm)
    assert set(before) == {tree["zhanyi"]}
    jurisdiction.grant(zhanyi_investigator, perm, tree["kunming"])
    after = jurisdiction.scope(Commission.objects.all(), zhanyi_investigator, commission_field="id", grant_perm=perm)
    assert set(after) == {tree["zhanyi"], tree["kunming"]}
    jurisdiction.revoke(zhanyi_investigator, perm, tree["kunming"])
    again = jurisdiction.scope(Commission.objects.all(), zhanyi_investigator, commission_field="id", grant_perm=perm)
    assert set(again) == {tree["zhanyi"]}


def test_get_in_reach_gives_404_for_missing_and_outside_alike(tree, zhanyi_investigator):
    scoped = jurisdiction.scope(Commission.objects.all(), zhanyi_investigator, commission_field="id")
    assert jurisdiction.get_in_reach(scoped, pk=tree["zhanyi"].pk) == tree["zhanyi"]
    with pytest.raises(Http404):
        jurisdiction.get_in_reach(scoped, pk=tree["qilin"].pk)
    with pytest.raises(Http404):
        jurisdiction.get_in_reach(scoped, pk=999999)


def test_has_role_is_exact_to_the_commission(tree, qujing_supervisor):
    assert jurisdiction.has_role(qujing_supervisor, tree["qujing"], Role.SUPERVISOR)
    assert not jurisdiction.has_role(qujing_supervisor, tree["zhanyi"], Role.SUPERVISOR)
    assert jurisdiction.oversees(qujing_supervisor, tree["zhanyi"])
    assert not jurisdiction.oversees(qujing_supervisor, tree["kunming"])


def test_inactive_user_reaches_nothing(tree, qujing_supervisor):
    qujing_supervisor.is_active = False
    jurisdiction.forget(qujing_supervisor)
    assert jurisdiction.readable_commission_ids(qujing_supervisor) == frozenset()

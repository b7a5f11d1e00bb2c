import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Commission
from core.lookups import Ids

pytestmark = pytest.mark.django_db


def test_any_of_selects_the_listed_rows_with_the_list_as_one_parameter(tree):
    wanted = [tree["zhanyi"].pk, tree["qilin"].pk]
    with CaptureQueriesContext(connection) as queries:
        found = set(Commission.objects.filter(pk__any_of=Ids(wanted)).values_list("pk", flat=True))
    assert found == set(wanted)
    assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]
    assert not Commission.objects.filter(pk__any_of=Ids([])).exists()


def test_any_of_on_a_foreign_key_compares_its_column(tree):
    below = Commission.objects.filter(parent__any_of=Ids([tree["qujing"].pk]))
    assert set(below) == {c for c in Commission.objects.all() if c.parent_id == tree["qujing"].pk}
    assert tree["zhanyi"] in below

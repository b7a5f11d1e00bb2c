import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from openpyxl import load_workbook

from .conftest import browser_login
from .stats_helpers import build, period_params

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_supervisor_opens_the_dashboard_and_downloads_the_xlsx(
    page, live_server, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor, tmp_path
):
    build(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    browser_login(page, live_server, "qujing-supervisor")
    page.click("nav.mainnav a[href='/stats/']")
    page.wait_for_url(f"{live_server.url}{reverse('stats:dashboard', args=[tree['qujing'].pk])}")
    page.goto(f"{live_server.url}{reverse('stats:dashboard', args=[tree['qujing'].pk])}?{urlencode(period_params())}")
    assert page.locator(".kpi .value").first.inner_text() == "3"
    assert page.locator("svg.chart").count() == 2
    with page.expect_download() as info:
        page.click("a[href*='statistics.xlsx']")
    path = tmp_path / "statistics.xlsx"
    info.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert len(book.sheetnames) == 5
    reports = {r[1]: r[2] for r in book[book.sheetnames[0]].iter_rows(values_only=True) if len(r) > 2}
    accountability = {r[1]: r[2] for r in book[book.sheetnames[4]].iter_rows(values_only=True) if len(r) > 2}
    with translation.override("zh-hans"):
        assert reports[translation.gettext("Reports received")] == 3
        assert (
            accountability[translation.gettext("Accountability decisions (each counted, revoked ones excluded)")] == 3
        )
        assert accountability[translation.gettext("Party organisations held accountable")] == 1
        assert accountability[translation.gettext("People held accountable")] == 2
    # A click on a figure opens the items it counts.
    page.click(".kpi a.value >> nth=0")
    assert page.locator("table.table tbody tr").count() == 3

"""Forms that help (issue 16), in Chromium: a refused file is said beside the file field as soon as it is chosen,
and the allegations table keeps a category or a finding on one line at 1366 px."""

import pytest
from django.urls import reverse

from cases.choices import Category
from cases.services import AllegationInput

from .cases_helpers import register, to_verification, zhanyi_official
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ERRORS = "#id_attachments_client_errors"


def test_a_refused_file_is_said_beside_the_file_field_as_soon_as_it_is_chosen(page, live_server, tree, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024  # the server's limit, which the page reads from the field
    page.goto(live_server.url + reverse("public:report", args=[tree["zhanyi"].division_code]))
    field = page.locator("#id_attachments")

    field.set_input_files([{"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}])
    errors = page.locator(ERRORS)
    assert errors.is_visible() and "“tool.exe”的类型不被允许" in errors.inner_text()
    assert field.get_attribute("aria-invalid") == "true" and ERRORS[1:] in field.get_attribute("aria-describedby")
    assert page.evaluate("document.getElementById('id_attachments').validity.valid") is False  # the form waits
    assert page.evaluate("document.getElementById('id_attachments').nextElementSibling.id") == ERRORS[1:]  # beside it

    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    field.set_input_files([{"name": "材料.pdf", "mimeType": "application/pdf", "buffer": big}])
    assert "“材料.pdf”过大：上限为 1 MB" in errors.inner_text()

    field.set_input_files([{"name": "材料.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 ok"}])
    assert errors.is_hidden() and field.get_attribute("aria-invalid") is None
    assert page.evaluate("document.getElementById('id_attachments').validity.valid") is True


def test_the_allegations_table_keeps_category_and_finding_on_one_line_at_1366_px(
    page, live_server, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    long_text = "在应急物资采购中与投标企业串通，事先透露标底并指定中标企业，事后收受好处费，" * 3
    report = register(
        zhanyi_intake,
        tree["zhanyi"],
        allegations=[AllegationInput(text=long_text, category=Category.INTEGRITY, new_subject=zhanyi_official())],
    ).report
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, live_server, "zhanyi-investigator")
    page.goto(f"{live_server.url}/reports/{report.pk}/")

    lines = page.evaluate(
        """(words) => words.map((word) => {
          const cell = [...document.querySelectorAll('.allegations td span, .allegations td')]
            .find((el) => el.textContent.trim() === word);
          const range = document.createRange();
          range.selectNodeContents(cell);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          return [word, tops.size];
        })""",
        ["廉洁纪律", "尚未核查"],
    )

    assert lines == [["廉洁纪律", 1], ["尚未核查", 1]]

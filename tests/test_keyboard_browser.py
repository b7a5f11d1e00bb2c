"""Issue 16: the report form with the keyboard alone. Tab, typing, arrow keys, Space and Enter register a report whose
subject is the one already in the registry, chosen from the subject picker (an ARIA combobox), and every element the
Tab key reaches on the way shows a visible focus outline."""

import pytest

from cases.models import Report, Subject

from .cases_helpers import register
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_JS = """(selector) => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    id: el.id, tag: el.tagName, text: el.textContent.trim().slice(0, 30), reached: el.matches(selector),
    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def _tab_to(page, element_id: str, unfocused: list, selector: str | None = None) -> None:
    """Tab forward until the element has focus; every element passed on the way must show its focus."""
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_JS, selector or f"#{element_id}")
        if not focused["visible"]:
            unfocused.append(focused)
        if focused["reached"]:
            return
    raise AssertionError(f"Tab never reached {selector or element_id}")


def _choose_with_arrows(page, element_id: str, unfocused: list) -> None:
    _tab_to(page, element_id, unfocused)
    page.keyboard.press("ArrowDown")
    assert page.eval_on_selector(f"#{element_id}", "s => s.value") != ""


def test_the_report_form_is_filled_and_sent_with_the_keyboard_alone(page, live_server, tree, zhanyi_intake):
    earlier = register(zhanyi_intake, tree["zhanyi"]).report
    li = earlier.allegations.get(subject__name="李某").subject
    subjects = Subject.objects.count()
    browser_login(page, live_server, "zhanyi-intake")
    page.goto(f"{live_server.url}/reports/new/")
    unfocused = []

    _choose_with_arrows(page, "id_channel", unfocused)
    _choose_with_arrows(page, "id_area", unfocused)
    _tab_to(page, "id_summary", unfocused)
    page.keyboard.type(earlier.summary)  # the same matter again
    _choose_with_arrows(page, "id_allegations-0-category", unfocused)

    _tab_to(page, "id_allegations-0-subject_label", unfocused)
    page.keyboard.type("李")
    combobox = page.locator("#id_allegations-0-subject_label")
    listbox = page.locator("#id_allegations-0-subject_label-options")
    listbox.locator("[role=option]").first.wait_for()
    assert combobox.get_attribute("role") == "combobox" and combobox.get_attribute("aria-expanded") == "true"
    assert listbox.get_attribute("role") == "listbox"
    page.keyboard.press("Escape")  # closes the list, chooses nothing
    assert combobox.get_attribute("aria-expanded") == "false" and listbox.is_hidden()
    page.keyboard.press("ArrowDown")  # opens it again on the first suggestion
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    first = listbox.locator("[role=option]").first
    assert combobox.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # chooses the subject and does not send the form
    assert page.eval_on_selector("#id_allegations-0-subject_id", "e => e.value") == str(li.pk)
    assert combobox.input_value().startswith(li.name) and listbox.is_hidden()
    assert page.url.endswith("/reports/new/")

    _tab_to(page, "id_allegations-0-text", unfocused)
    page.keyboard.type("应急物资采购中再次串通投标")
    _tab_to(page, "id_is_anonymous", unfocused)
    page.keyboard.press("Space")
    _tab_to(page, "submit-report", unfocused)
    page.keyboard.press("Enter")
    # The same subject, a like summary: the form asks whether this repeats the earlier report, which it does.
    page.wait_for_selector("#possible-repeat")
    assert not Report.objects.exclude(pk=earlier.pk).exists()
    assert page.locator(".reporter-fields").is_hidden()  # still anonymous: the reporter's fields stay hidden
    _tab_to(page, "", unfocused, f"#possible-repeat button[name=repeat_of][value='{earlier.pk}']")
    page.keyboard.press("Enter")
    page.wait_for_selector(".receipt")  # registered; an anonymous reporter's receipt code is shown once

    report = Report.objects.exclude(pk=earlier.pk).get()
    assert list(report.links.values_list("earlier_id", flat=True)) == [earlier.pk]  # the repeat links up
    assert [a.subject_id for a in report.allegations.all()] == [li.pk]
    assert Subject.objects.count() == subjects  # no duplicate subject for the keyboard user
    assert report.reporter.is_anonymous
    assert unfocused == [], "these elements show no focus outline"


def test_an_investigator_of_another_commission_is_picked_with_the_keyboard_alone(
    page, live_server, tree, qujing_supervisor
):
    """Issue 16: the investigator picker is the same ARIA combobox; the chosen investigator is a removable chip."""
    from accounts.roles import Role

    from .factories import member
    from .test_forms_that_help import _qujing_report

    report = _qujing_report(tree, qujing_supervisor)
    qilin = member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    member("qilin-investigator-2", tree["qilin"], Role.INVESTIGATOR, "investigation")
    member("kunming-investigator", tree["kunming"], Role.INVESTIGATOR, "investigation")  # a sibling city's
    browser_login(page, live_server, "qujing-supervisor")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    unfocused = []

    _tab_to(page, "others-search", unfocused)
    page.keyboard.type("qilin-investigator")
    combobox = page.locator("#others-search")
    listbox = page.locator("#others-options")
    listbox.locator("[role=option]").first.wait_for()
    assert combobox.get_attribute("role") == "combobox" and combobox.get_attribute("aria-expanded") == "true"
    assert listbox.locator("[role=option]").count() == 2
    page.keyboard.press("Escape")
    assert listbox.is_hidden()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # the first: qilin-investigator; the form is not sent
    chips = page.locator(".chips .chip")
    assert chips.count() == 1 and "麒麟区纪委监委" in chips.first.inner_text()
    assert combobox.input_value() == ""
    # A second choice, then removed again with the keyboard: Tab to its button, Enter.
    page.keyboard.type("qilin-investigator-2")
    listbox.locator("[role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert chips.count() == 2
    page.keyboard.press("Shift+Tab")  # the second chip's remove button
    assert page.evaluate("document.activeElement.className") == "chip-remove"
    page.keyboard.press("Enter")
    assert chips.count() == 1
    assert page.evaluate("document.activeElement.id") == "others-search"  # focus goes back to the search
    page.keyboard.type("kunming")
    page.wait_for_timeout(600)
    assert listbox.is_hidden(), "a sibling city's investigator is never offered"

    _tab_to(page, "", unfocused, "form[action$='/start-verification/'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg")

    report.refresh_from_db()
    assert report.status == "under_verification"
    assert list(report.assignments.values_list("user_id", flat=True)) == [qilin.pk]
    assert unfocused == [], "these elements show no focus outline"


def test_another_investigator_is_assigned_during_verification_with_the_keyboard_alone(
    page, live_server, tree, qujing_supervisor
):
    """The "assign another investigator" form uses the same picker, searching the handling commission's own too."""
    from accounts.roles import Role
    from cases import services

    from .factories import member
    from .test_forms_that_help import _qujing_report

    report = _qujing_report(tree, qujing_supervisor)
    qilin = member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")
    own = member("qujing-investigator", tree["qujing"], Role.INVESTIGATOR, "investigation")
    services.verification_start(actor=qujing_supervisor, report=report, investigators=[qilin])
    browser_login(page, live_server, "qujing-supervisor")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    unfocused = []

    _tab_to(page, "", unfocused, "details:has(form[action$='/assign/']) > summary")
    page.keyboard.press("Enter")  # opens the form
    _tab_to(page, "assign-search", unfocused)
    page.keyboard.type("qujing-inv")
    listbox = page.locator("#assign-options")
    listbox.locator("[role=option]").first.wait_for()
    assert listbox.locator("[role=option]").count() == 1
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("form[action$='/assign/'] .chips .chip").count() == 1
    _tab_to(page, "", unfocused, "form[action$='/assign/'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg")

    assert set(report.assignments.filter(active=True).values_list("user_id", flat=True)) == {qilin.pk, own.pk}
    assert unfocused == [], "these elements show no focus outline"

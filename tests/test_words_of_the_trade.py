"""The words of the trade (issue 16): one term per thing, as the commissions say it, and each language's punctuation."""

import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from stats.drilldown import _named

from .stats_helpers import period_params

ROOT = Path(settings.BASE_DIR)
FULL_WIDTH = re.compile(r"[（），：；]")


def entries():
    for path in sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        if ".venv" not in path.parts:
            yield from (e for e in polib.pofile(str(path)) if not e.obsolete)


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def test_the_audit_trail_is_called_the_operation_log_not_an_audit():
    assert zh("Audit trail") == "操作日志"
    assert zh("This view has been recorded in the audit trail.") == "本次查看已记入操作日志。"
    # 审计 is a government audit: it names only the audit office that transfers clues to the commission.
    assert [e.msgid for e in entries() if "审计" in e.msgstr] == ["Transferred from audit"]


def test_a_concluded_report_has_one_name_everywhere():
    assert zh("Concluded") == "已出核查结论"
    for picker_text in ("Choose a concluded report", "Choose a concluded or closed report"):
        assert "已出核查结论" in zh(picker_text)
    assert zh("Closed") == "已办结"
    other_names = [
        (e.msgid, e.msgstr)
        for e in entries()
        if re.search(r"conclu", e.msgid, re.I)
        and not re.search(r"clos|complete", e.msgid, re.I)  # closed, findings complete: other states
        and ("办结" in e.msgstr or "核查完毕" in e.msgstr)
    ]
    assert other_names == []


def test_organisations_are_counted_with_units():
    # A subject of kind "organisation" may be a unit (单位), not only a party organisation (党组织).
    assert zh("Organisations") == "党组织和单位（个）"
    assert "单位" in zh("Party organisations clarified")


def test_english_statistics_use_ascii_punctuation():
    with translation.override("en"):
        assert _named("李某", "Person") == "李某 (Person)"
        assert pgettext("list separator", "; ") == "; "
    with translation.override("zh-hans"):
        assert _named("李某", "个人") == "李某（个人）"


@pytest.mark.django_db
def test_the_english_dashboard_line_has_no_full_width_punctuation(client, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("stats:dashboard", args=[tree["qujing"].pk])

    html = client.get(url, period_params()).content.decode()
    line = re.search(r'<span class="muted">(\([^<]*\))</span>', html)

    assert line and "this commission" in line.group(1)
    assert not FULL_WIDTH.search(re.sub(r"<[^>]+>", "", html))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "（" in client.get(url, period_params()).content.decode()  # Chinese keeps its own punctuation


def test_the_sqlite_default_silences_only_the_known_harmless_w040():
    assert "models.W040" not in getattr(settings, "SILENCED_SYSTEM_CHECKS", [])  # on PostgreSQL the check stays on
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:", "DEBUG": "1"}
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )

    assert "W040" not in checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout

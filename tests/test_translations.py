"""Every user-facing string is translated: Simplified Chinese is the default and must be complete."""

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_chinese_catalogue_has_no_missing_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po if not e.translated() and not e.obsolete] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    shutil.copytree(PO.parent.parent.parent, locale)
    monkeypatch.chdir(settings.BASE_DIR)
    with override_settings(LOCALE_PATHS=[locale]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=[".venv", "tests", "bench", "var"],
            verbosity=0,
        )
    fresh = polib.pofile(str(locale / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in fresh if not e.translated() and not e.obsolete]
    assert untranslated == [], "run `make translations` and translate these"

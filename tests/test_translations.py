"""Every user-facing string is translated: Simplified Chinese is the default and must be complete.

Apps may keep their own catalogue (`<app>/locale`); the project's templates and shared strings live in
`locale/`. The check extracts strings from a copy of the tree so it never rewrites the real catalogues.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
IGNORE = shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "test-artifacts", "__pycache__", "*.sqlite3")


def catalogues(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_chinese_catalogues_have_no_missing_or_fuzzy_entries():
    found = catalogues(ROOT)
    assert found, "no Chinese catalogue found"
    for po_path in found:
        po = polib.pofile(str(po_path))
        assert [e.msgid for e in po if not e.translated() and not e.obsolete] == [], po_path
        assert [e.msgid for e in po.fuzzy_entries()] == [], po_path


def test_every_string_in_the_code_is_in_a_catalogue(tmp_path):
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=IGNORE)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=tests", "--ignore=bench", "-v0"],
        cwd=copy,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:///:memory:",
        },
    )
    missing = {}
    for po_path in catalogues(copy):
        po = polib.pofile(str(po_path))
        untranslated = [e.msgid for e in po if not e.translated() and not e.obsolete]
        if untranslated:
            missing[str(po_path.relative_to(copy))] = untranslated
    assert missing == {}, "run `make translations` and translate these"

"""The installed package carries every app of the project (`import stats` must work outside the project folder)."""

import fnmatch
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_project_app_is_in_the_packages_pyproject_installs():
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    project_apps = {
        name.split(".")[0] for name in settings.INSTALLED_APPS if (ROOT / name.split(".")[0] / "apps.py").exists()
    }
    assert project_apps, "no project app found in INSTALLED_APPS"
    left_out = sorted(app for app in project_apps if not any(fnmatch.fnmatch(app, pattern) for pattern in include))
    assert left_out == []

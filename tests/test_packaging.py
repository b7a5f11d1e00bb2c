"""What the product installs: every app of the project (`import stats` must work outside the project folder), and
not the development tools (devtools/: the scale data generator), which only the bench and the tests install."""

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from config import settings as product_settings

ROOT = Path(__file__).resolve().parent.parent


def _packaged(name: str) -> bool:
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    return any(fnmatch.fnmatch(name, pattern) for pattern in include)


def test_every_project_app_is_in_the_packages_pyproject_installs():
    project_apps = {
        name.split(".")[0]
        for name in product_settings.INSTALLED_APPS
        if (ROOT / name.split(".")[0] / "apps.py").exists()
    }
    assert "stats" in project_apps
    assert sorted(app for app in project_apps if not _packaged(app)) == []


def test_the_development_tools_are_neither_installed_nor_packaged_by_the_product():
    assert "devtools" not in product_settings.INSTALLED_APPS
    assert not _packaged("devtools")


def _seed_scale_help(settings_module: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    return subprocess.run(
        [sys.executable, "manage.py", "seed_scale", "--help"], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("settings_module", ["bench.settings", "config.settings_test"])
def test_seed_scale_is_a_command_under_the_bench_and_test_settings(settings_module):
    result = _seed_scale_help(settings_module)
    assert result.returncode == 0, result.stderr
    assert "--reports" in result.stdout


def test_seed_scale_is_not_a_command_of_the_product():
    result = _seed_scale_help("config.settings")
    assert result.returncode != 0
    assert "Unknown command: 'seed_scale'" in result.stderr

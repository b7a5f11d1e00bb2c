"""Test settings: the suite runs on real PostgreSQL and Redis (DESIGN.md §4)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dic")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Two-factor login is tested on its own (tests/test_security_accounts.py); other tests log in with one factor.
os.environ.setdefault("TWO_FACTOR_ROLES", "")

from .settings import *  # noqa: E402,F403

# The scale data generator and `seed_scale` (development only: the product does not install it).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATA_DIR = BASE_DIR / "var" / "test"  # noqa: F405
PRIVATE_FILES_ROOT = DATA_DIR / "private"
STORAGES["default"]["OPTIONS"]["location"] = str(PRIVATE_FILES_ROOT)  # noqa: F405
AUDIT_CHECKPOINT_FILE = Path(os.environ.get("AUDIT_CHECKPOINT_FILE", DATA_DIR / "audit-checkpoints.log"))  # noqa: F405

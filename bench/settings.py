"""Benchmark settings: the project's settings plus one trivial page (bench/urls.py) for the throughput ratio and the
scale data generator (devtools/, `manage.py seed_scale`)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# `manage.py seed_scale` fills the bench database (development only: the product does not install it).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405

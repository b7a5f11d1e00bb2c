"""Benchmark settings: the project's settings plus one trivial page (bench/urls.py) for the throughput ratio."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

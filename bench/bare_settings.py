"""Django with nothing of the product: no middleware, no database, no apps, one view (bench/bare_urls.py).

bench/throughput.py serves it with a second gunicorn in the same run, so that the product's requests per second
are read as a fraction of what Django itself serves on this machine at that moment (less load-sensitive than
requests per second alone)."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-bare-secret-key-not-for-production-0123456789abcdef")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.bare_urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_I18N = False

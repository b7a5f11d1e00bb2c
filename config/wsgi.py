import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Django runs no system check under WSGI: a gunicorn worker refuses to boot on the errors `manage.py check` reports.
from core.checks import run_startup_checks  # noqa: E402

run_startup_checks()

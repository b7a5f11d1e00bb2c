"""WSGI entry of the bare Django (bench/bare_settings.py): none of config.wsgi's start-up checks of the product."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
application = get_wsgi_application()

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development-only tools (the scale data generator and its `seed_scale` command). Listed in INSTALLED_APPS by
    the bench and test settings only: the product neither installs nor packages it."""

    name = "devtools"
    verbose_name = "Development tools"

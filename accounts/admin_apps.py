from django.contrib.admin.apps import AdminConfig


class ProductAdminConfig(AdminConfig):
    """django.contrib.admin with the site that applies accounts/administration.py (accounts/admin_site.py)."""

    default_site = "accounts.admin_site.ProductAdminSite"

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "abs_platform.tenancy"
    label = "tenancy"
    verbose_name = "Workspaces and access"

    def ready(self):
        from .caching import connect_receivers
        from .db import apply_row_level_security

        connect_receivers()

        post_migrate.connect(apply_row_level_security, sender=self, dispatch_uid="tenancy_rls")

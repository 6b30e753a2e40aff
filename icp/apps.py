from django.apps import AppConfig


class IcpConfig(AppConfig):
    name = "icp"
    verbose_name = "Ideal customer profile"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        from . import receivers  # noqa: F401 (connects the receivers)

        register_nav_entry(NavEntry("icp", "ICP", "icp:page", order=30))

    def load_demo(self, tenant, *, main: bool, **options) -> None:
        """Technologies in use, tiers, an active ICP with sign-offs and fit scores, in the main workspace only
        (``load_demo`` command)."""
        if main:
            from .demo import load_demo_icp

            load_demo_icp(tenant)

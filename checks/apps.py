from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = "Data health checks"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        register_nav_entry(NavEntry("data-health", "Data health", "checks:page", order=58))

    def load_demo(self, tenant, **options) -> None:
        """Both checks once, so Data health, the gaps and their sourcing and re-verification tasks show the demo's
        state (after every other app's demo: the checks read all of it)."""
        from abs_platform.jobs.services import job_create
        from abs_platform.tenancy.context import tenant_context
        from abs_platform.tenancy.db import tenant_transaction

        from .services import COVERAGE_JOB_KIND, DECAY_JOB_KIND, coverage_check, decay_check

        with tenant_context(tenant), tenant_transaction(tenant):
            coverage_check(job=job_create(kind=COVERAGE_JOB_KIND))
            decay_check(job=job_create(kind=DECAY_JOB_KIND))

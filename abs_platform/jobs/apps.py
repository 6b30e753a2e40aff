from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "abs_platform.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

from django.apps import AppConfig


class IcpConfig(AppConfig):
    name = "icp"
    verbose_name = "Ideal customer profile"

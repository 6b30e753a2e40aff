from .models import MetricsSettings


def metrics_settings() -> MetricsSettings:
    """The workspace's settings (unsaved defaults without a row)."""
    return MetricsSettings.objects.first() or MetricsSettings()

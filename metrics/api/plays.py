"""``GET /api/v1/metrics/plays/``: play effectiveness per play template."""

from ..selectors.plays import play_effectiveness
from .base import MetricViewSet


class PlayEffectivenessViewSet(MetricViewSet):
    """Per play template, the runs launched in the period: launches, completed runs and completion, replies and
    meetings their tasks logged, hand-offs and pipeline (deals opened) at their accounts within `influence_days`
    of the launch. One row per template in `results`."""

    metric_name = "plays"

    def compute(self, filters):
        return play_effectiveness(filters)

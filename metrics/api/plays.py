"""``GET /api/v1/metrics/plays/``: play effectiveness per play template."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view

from ..selectors.plays import play_effectiveness
from .base import FILTER_PARAMETERS, MetricViewSet


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS, responses={200: OpenApiTypes.OBJECT}))
class PlayEffectivenessViewSet(MetricViewSet):
    """Per play template, the runs launched in the period: launches, completed runs and completion, replies and
    meetings their tasks logged, hand-offs and pipeline (deals opened) at their accounts within `influence_days`
    of the launch. One row per template in `results`."""

    metric_name = "plays"

    def compute(self, filters):
        return play_effectiveness(filters)

"""``GET /api/v1/metrics/marketing/``: engagement rate, click-through rate and conversions per campaign channel."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view

from ..selectors.marketing import marketing
from .base import FILTER_PARAMETERS, MetricViewSet


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS, responses={200: OpenApiTypes.OBJECT}))
class MarketingMetricViewSet(MetricViewSet):
    """Advertising, web-visit and e-mail activities at the target accounts in the period: engagement rate
    (accounts engaged / accounts reached), click-through rate (clicks / impressions), conversions and conversion
    rate (conversions / clicks), all channels together and one row per channel in `results`."""

    metric_name = "marketing"

    def compute(self, filters):
        return marketing(filters)

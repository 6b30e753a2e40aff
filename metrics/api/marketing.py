"""``GET /api/v1/metrics/marketing/``: engagement rate, click-through rate and conversions per campaign channel."""

from ..selectors.marketing import marketing
from .base import MetricViewSet


class MarketingMetricViewSet(MetricViewSet):
    """Advertising, web-visit and e-mail activities at the target accounts in the period: engagement rate
    (accounts engaged / accounts reached), click-through rate (clicks / impressions), conversions and conversion
    rate (conversions / clicks), all channels together and one row per channel in `results`."""

    metric_name = "marketing"

    def compute(self, filters):
        return marketing(filters)

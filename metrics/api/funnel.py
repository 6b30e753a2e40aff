from ..selectors.funnel import funnel
from .base import MetricViewSet


class FunnelViewSet(MetricViewSet):
    """The sales-development funnel of the target accounts prospected in the period: connect, pass and pipeline
    rates with their healthy bands (`status`: below, within or above), and in `results` by tier, team and play.
    Rates are null with nothing to divide by."""

    metric_name = "funnel"

    def compute(self, filters):
        return funnel(filters)

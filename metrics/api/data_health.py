from ..filters import MetricFilters
from ..selectors import data_health
from .base import MetricViewSet


class DataHealthViewSet(MetricViewSet):
    """Open stale and invalid records by reason (`results`, as the last data-decay check marked them), the decay
    measured over the 12 months up to `end` against the expected 20 %/year, and the persona coverage projected
    30/60/90 days from today if nothing is re-verified. Tier, team and owner narrow the accounts."""

    metric_name = "data-health"
    results_columns = data_health.COLUMNS

    def compute(self, filters: MetricFilters) -> dict:
        return data_health.data_health(filters)

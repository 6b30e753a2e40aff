from ..selectors.rollout import rollout
from .base import MetricViewSet


class RolloutViewSet(MetricViewSet):
    """The share of the SDRs working target accounts against the staged plan (30 %, 50 %, 75 %, 100 %): the
    stage reached and the next one; `results`: each SDR. Tier, team and owner narrow it; the period does not
    apply (team membership is current)."""

    metric_name = "rollout"

    def compute(self, filters):
        return rollout(filters)

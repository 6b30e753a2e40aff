from rest_framework.exceptions import ValidationError

from ..filters import MetricFilters
from ..selectors import snapshots
from .base import MetricViewSet

WORKSPACE_WIDE = "Snapshots are the whole workspace's figures: tier, team and owner do not apply."


class SnapshotViewSet(MetricViewSet):
    """The daily snapshots of the period (`start`, `end` or `period`), one row per day taken, oldest first:
    coverage and staleness as the checks stored them that day (`null` on back-filled days), engagement, open
    pipeline and tasks at the end of the day. JSON or CSV."""

    metric_name = "snapshots"
    results_columns = snapshots.COLUMNS

    def compute(self, filters: MetricFilters) -> dict:
        narrowed = {name: [WORKSPACE_WIDE] for name in ("tier", "team", "owner") if getattr(filters, name) is not None}
        if narrowed:
            raise ValidationError(narrowed)
        return snapshots.snapshots(filters)

"""The distribution charts' figures: ``/metrics/fit-scores/``, ``/metrics/coverage-distribution/``,
``/metrics/pipeline-by-stage/``."""

from ..filters import MetricFilters
from ..selectors import distributions
from .base import MetricViewSet


class FitScoreDistributionViewSet(MetricViewSet):
    """Target accounts by fit-score band."""

    metric_name = "fit-scores"

    def compute(self, filters: MetricFilters) -> dict:
        return distributions.fit_score_distribution(filters)


class CoverageDistributionViewSet(MetricViewSet):
    """Target accounts by persona-coverage band."""

    metric_name = "coverage-distribution"

    def compute(self, filters: MetricFilters) -> dict:
        return distributions.coverage_distribution(filters)


class PipelineByStageViewSet(MetricViewSet):
    """Open opportunities by stage: count and amount."""

    metric_name = "pipeline-by-stage"

    def compute(self, filters: MetricFilters) -> dict:
        return distributions.pipeline_by_stage(filters)

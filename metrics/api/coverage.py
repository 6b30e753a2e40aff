from rest_framework import serializers

from abs_platform.web.fields import TenantRelatedField
from personas.models import Persona

from ..filters import MetricFilters
from ..selectors import coverage
from .base import MetricViewSet


class CoverageViewSet(MetricViewSet):
    """Target accounts with complete, fresh data and persona coverage, as the last coverage check stored them,
    against the workspace's goals; per account (`results`) its own figures and its subtree's (a parent sums its
    subsidiaries'); `trend`: the workspace's daily snapshots of the period (`null` when narrowed)."""

    metric_name = "coverage"
    results_columns = coverage.ACCOUNT_COLUMNS

    def compute(self, filters: MetricFilters) -> dict:
        return coverage.coverage(filters)


class _PersonaParam(serializers.Serializer):
    persona = TenantRelatedField(model=Persona, required=False)


class CoverageGapViewSet(MetricViewSet):
    """Which personas are missing where, as coverage counts them now: one row per uncovered committee
    requirement of a target account (`missing` more current contacts needed); `by_persona`: how many accounts
    miss each. `persona` keeps one persona's gaps."""

    metric_name = "coverage-gaps"
    results_columns = coverage.GAP_COLUMNS
    params_class = _PersonaParam

    def compute(self, filters: MetricFilters) -> dict:
        persona = self.params().get("persona")
        return coverage.coverage_gaps(filters, persona=persona.pk if persona else None)

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from ..selectors.pipeline import pipeline
from .base import FILTER_PARAMETERS, MetricViewSet

SEED_PARAMETER = OpenApiParameter(
    "seed", int, description="Draws the random sample of non-target customers; the same seed, the same sample."
)


class SeedSerializer(serializers.Serializer):
    seed = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)


class PipelineViewSet(MetricViewSet):
    """Pipeline created, win rate, average deal size, sales cycle and deal velocity of the target accounts beside
    a seeded random sample of non-target customers and the non-target look-alikes (same size band and industry),
    one row per cohort in `results` with its size."""

    metric_name = "pipeline"
    params_class = SeedSerializer

    @extend_schema(parameters=[*FILTER_PARAMETERS, SEED_PARAMETER], responses=OpenApiTypes.OBJECT)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def compute(self, filters):
        return pipeline(filters, seed=self.params()["seed"])

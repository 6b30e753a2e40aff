"""``GET /api/v1/metrics/engagement/``: each target account's engagement against a baseline period."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from ..filters import MAX_PERIOD_DAYS
from ..selectors.engagement import MOVEMENTS, ORDERINGS, Baseline, engagement
from .base import FILTER_PARAMETERS, MetricViewSet
from .rows import RowsQuerySerializer, row_parameters


class EngagementQuerySerializer(RowsQuerySerializer):
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-change")
    movement = serializers.ChoiceField(choices=MOVEMENTS, required=False, default="")
    baseline_start = serializers.DateField(required=False)
    baseline_end = serializers.DateField(required=False)

    def validate(self, attrs):
        start, end = attrs.pop("baseline_start", None), attrs.pop("baseline_end", None)
        if (start is None) != (end is None):
            missing = "baseline_end" if end is None else "baseline_start"
            raise serializers.ValidationError({missing: "Give both baseline_start and baseline_end, or neither."})
        if start is not None:
            if start > end:
                raise serializers.ValidationError({"baseline_start": "The baseline must start on or before its end."})
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise serializers.ValidationError(
                    {"baseline_start": f"A baseline spans at most {MAX_PERIOD_DAYS} days."}
                )
            attrs["baseline"] = Baseline(start, end, "requested")
        return attrs


class EngagementMetricViewSet(MetricViewSet):
    """Engagement events (inbound activities, activities with outcome connected, replied or meeting booked, and
    activities with clicks) per target account in the period against the baseline (default: the 90 days before
    the programme's start, else before the period), scaled to the period's length; change and change ratio
    (`null` without baseline events); engaged contacts overall and per buying role; accounts rising or falling
    sharply. `results`: a page of accounts (`limit`, `offset`; `count` is the total), sorted by `ordering`."""

    metric_name = "engagement"
    params_class = EngagementQuerySerializer

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("baseline_start", OpenApiTypes.DATE, description="First day of an explicit baseline."),
            OpenApiParameter("baseline_end", OpenApiTypes.DATE, description="Its last day, included."),
            OpenApiParameter(
                "movement", str, enum=list(MOVEMENTS), description="Only accounts rising or falling sharply."
            ),
            *row_parameters(ORDERINGS, "-change"),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def compute(self, filters):
        return engagement(filters, **self.params())

"""``GET /api/v1/metrics/activity/``: touches, conversations and meetings per account, channel, team or person."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from ..selectors.activity import GROUPS, ORDERINGS, activity
from .base import FILTER_PARAMETERS, MetricViewSet
from .rows import RowsQuerySerializer, row_parameters


class ActivityQuerySerializer(RowsQuerySerializer):
    by = serializers.ChoiceField(choices=list(GROUPS), required=False, default="account")
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-touches")


class ActivityMetricViewSet(MetricViewSet):
    """Touches (outbound activities), conversations (outcome connected, replied or meeting booked) and meetings
    booked at the target accounts in the period, with attempts per conversation and conversations per meeting
    (`null` when nothing to divide by); `results` holds one row per `by` (account, channel, team, owner) that
    had activity."""

    metric_name = "activity"
    params_class = ActivityQuerySerializer

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("by", str, enum=list(GROUPS), description="What a row is (default `account`)."),
            *row_parameters(ORDERINGS, "-touches"),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def compute(self, filters):
        return activity(filters, **self.params())

from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from abs_platform.tenancy.models import Role
from abs_platform.web.numbers import LocalizedNumbersModelSerializer
from abs_platform.web.viewsets import TenantModelViewSet

from .. import services
from ..models import SpendEntry
from ..selectors.lifecycle import lifecycle, spend_entries
from .base import MetricViewSet


class LifecycleViewSet(MetricViewSet):
    """Retention and churn of the customers at the start of the period, LTV (average yearly revenue per customer
    × average lifetime, over the year ending with the period), CAC (the spend ledger's spend in the period per
    customer won in it) and LTV:CAC. Money as strings; null with nothing to divide by."""

    metric_name = "lifecycle"

    def compute(self, filters):
        return lifecycle(filters)


class SpendEntrySerializer(LocalizedNumbersModelSerializer):
    class Meta:
        model = SpendEntry
        fields = ["id", "period_start", "period_end", "channel", "amount", "note", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"amount": {"min_value": 0}}

    def validate(self, attrs):
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": ["The period cannot end before it starts."]})
        return attrs

    def create(self, validated_data):
        return services.spend_create(**validated_data)

    def update(self, instance, validated_data):
        return services.spend_update(entry=instance, **validated_data)


class SpendEntryViewSet(TenantModelViewSet):
    """The programme's spend ledger (period, channel, amount): CAC divides its spend by the customers won.
    Everyone reads; admins write. JSON only: the dashboard has no ledger page yet."""

    renderer_classes = [JSONRenderer]
    serializer_class = SpendEntrySerializer
    write_role = Role.ADMIN
    ordering_fields = ["period_start", "amount"]
    ordering = ["-period_start"]

    def scoped_queryset(self):
        return spend_entries()

    def perform_destroy(self, instance):
        services.spend_delete(entry=instance)

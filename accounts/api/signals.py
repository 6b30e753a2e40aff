"""Signals (buying signals and trigger events) of an account."""

from django_filters import rest_framework as filters
from rest_framework import serializers

from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet

from .. import selectors, services
from ..models import (
    Account,
    Contact,
    Signal,
    SignalType,
)
from .common import account_id_for_form


class SignalSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    contact = TenantRelatedField(model=Contact, required=False, allow_null=True, style={"in_form": False})
    contact_name = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = [
            "id",
            "account",
            "account_name",
            "contact",
            "contact_name",
            "signal_type",
            "occurred_on",
            "title",
            "source_url",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_account_name(self, signal) -> str:
        return signal.account.name

    def get_contact_name(self, signal) -> str:
        return str(signal.contact) if signal.contact_id else ""

    def create(self, validated_data):
        return services.signal_create(**validated_data)

    def update(self, instance, validated_data):
        return services.signal_update(signal=instance, **validated_data)


class SignalFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    contact = filters.NumberFilter(field_name="contact_id")
    signal_type = filters.ChoiceFilter(choices=SignalType.choices)
    occurred_after = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = Signal
        fields = ["account", "contact", "signal_type"]


class SignalViewSet(TenantModelViewSet):
    """Signals (research items, trigger events) at accounts. Filters: `account`, `contact`, `signal_type`,
    `occurred_after`, `occurred_before` (dates). Search over title and notes. Newest first."""

    serializer_class = SignalSerializer
    filterset_class = SignalFilter
    search_fields = ["title", "notes"]
    ordering_fields = ["occurred_on", "created_at"]
    ordering = ["-occurred_on"]
    fragment_template = "accounts/signals.html"

    def scoped_queryset(self):
        return selectors.signal_list()

    def perform_destroy(self, instance):
        services.signal_delete(signal=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["account_id"] = account_id_for_form(self, context)
        return context

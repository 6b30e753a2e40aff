"""Opportunities (deals) of an account."""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from abs_platform.tenancy.context import get_current_tenant, workspace_today
from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.numbers import LocalizedNumbersModelSerializer
from abs_platform.web.viewsets import TenantModelViewSet

from .. import selectors, services
from ..models import (
    CLOSED_STAGES,
    Account,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
)
from .common import BulkCreateMixin, account_id_for_form


class OpportunitySerializer(LocalizedNumbersModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    opened_on = serializers.DateField(
        default=serializers.CreateOnlyDefault(workspace_today),
        initial=workspace_today,
        help_text="Default on create: today; a full update without it keeps it.",
        style={"form_help": ""},
    )
    currency = serializers.SerializerMethodField(help_text="The workspace currency (ISO 4217) of `amount`.")
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "account",
            "account_name",
            "name",
            "kind",
            "amount",
            "currency",
            "stage",
            "is_open",
            "opened_on",
            "close_date",
            "lost_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "amount": {"min_value": 0},
            "kind": {"initial": OpportunityKind.NEW_LOGO},
            "stage": {"initial": OpportunityStage.PROSPECTING},
        }

    def get_account_name(self, opportunity) -> str:
        return opportunity.account.name

    def get_currency(self, opportunity) -> str:
        return get_current_tenant().currency

    def get_is_open(self, opportunity) -> bool:
        return opportunity.stage not in CLOSED_STAGES

    def create(self, validated_data):
        return services.opportunity_create(**validated_data)

    def update(self, instance, validated_data):
        return services.opportunity_update(opportunity=instance, **validated_data)


class OpportunityFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    stage = filters.ChoiceFilter(choices=OpportunityStage.choices)
    kind = filters.ChoiceFilter(choices=OpportunityKind.choices)
    is_open = filters.BooleanFilter(method="filter_open", label="Open (not closed won or lost): true / false")

    class Meta:
        model = Opportunity
        fields = ["account", "stage", "kind"]

    def filter_open(self, queryset, name, value):
        closed = Q(stage__in=CLOSED_STAGES)
        return queryset.exclude(closed) if value else queryset.filter(closed)


class OpportunityViewSet(BulkCreateMixin, TenantModelViewSet):
    """Opportunities (deals). Amounts are in the workspace currency (`currency`). A closed-lost deal needs a
    `lost_reason`; the close date cannot precede the open date. Filters: `account`, `stage`, `kind`,
    `is_open`. Search over the name. Newest first."""

    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    search_fields = ["name"]
    ordering_fields = ["opened_on", "created_at", "amount"]
    ordering = ["-opened_on"]
    fragment_template = "accounts/opportunities.html"

    def scoped_queryset(self):
        return selectors.opportunity_list()

    def perform_destroy(self, instance):
        services.opportunity_delete(opportunity=instance)

    @extend_schema(request=OpportunitySerializer(many=True), responses={201: OpportunitySerializer(many=True)})
    @action(detail=False, methods=["post"], renderer_classes=[JSONRenderer])
    def bulk(self, request, *args, **kwargs):
        """Create up to `API_BULK_MAX_ITEMS` (500) deals from a JSON list, all or none: 201 with them in the list's
        order, or 400 with each refused item's field errors under its index (`{"2": {"stage": [...]}}`)."""
        return self.bulk_create(request, services.opportunities_create)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["account_id"] = account_id_for_form(self, context)
        return context

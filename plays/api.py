from django_filters import rest_framework as filters
from rest_framework import serializers

from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet
from accounts.models import BuyingRole
from icp.models import Tier
from personas.models import Persona

from . import selectors, services
from .merge import ALLOWED
from .models import Effort, LifecycleStage, Offer, OfferFormat, Personalization, PlayKind, PlayStep, PlayTemplate

CHECKBOXES = {"template": "plays/checkboxes.html"}


class ChoiceList(serializers.MultipleChoiceField):
    """Several choices, stored as a list in the order of the choices."""

    def to_internal_value(self, data):
        chosen = super().to_internal_value(data)
        return [value for value in self.choices if value in chosen]

    def to_representation(self, value):
        return list(value)


class OfferSerializer(serializers.ModelSerializer):
    personas = TenantRelatedField(
        model=Persona, many=True, required=False, help_text="Suitable personas.", style=CHECKBOXES
    )
    persona_names = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = [
            "id",
            "name",
            "offer_format",
            "effort",
            "personalization",
            "lifecycle_stage",
            "personas",
            "persona_names",
            "link",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_persona_names(self, offer) -> list[str]:
        return [persona.name for persona in offer.personas.all()]

    def create(self, validated_data):
        return services.offer_create(**validated_data)

    def update(self, instance, validated_data):
        return services.offer_update(offer=instance, **validated_data)


class OfferFilter(RequestedFilterSet):
    offer_format = filters.ChoiceFilter(choices=OfferFormat.choices)
    effort = filters.ChoiceFilter(choices=Effort.choices)
    personalization = filters.ChoiceFilter(choices=Personalization.choices)
    lifecycle_stage = filters.ChoiceFilter(choices=LifecycleStage.choices)
    persona = filters.NumberFilter(field_name="personas", distinct=True)

    class Meta:
        model = Offer
        fields = ["offer_format", "effort", "personalization", "lifecycle_stage", "persona"]


class OfferViewSet(TenantModelViewSet):
    """The library of offers (content, events, meetings) that play steps use. Everyone reads; members write.
    Filters: `offer_format`, `effort`, `personalization`, `lifecycle_stage`, `persona`; search over the name."""

    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    fragment_template = "plays/offers.html"

    def scoped_queryset(self):
        return selectors.offer_list()

    def perform_destroy(self, instance):
        services.offer_delete(offer=instance)


class PlayStepSerializer(serializers.ModelSerializer):
    template = TenantRelatedField(model=PlayTemplate)
    offer = TenantRelatedField(model=Offer, required=False, allow_null=True)
    offer_name = serializers.CharField(read_only=True, default=None)

    class Meta:
        model = PlayStep
        fields = [
            "id",
            "template",
            "position",
            "name",
            "day_offset",
            "channel",
            "team_role",
            "offer",
            "offer_name",
            "instructions",
            "message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "position": {"required": False, "min_value": 1, "help_text": "Order within the play (default: last)."},
            "day_offset": {"help_text": "Days after launch (working days when the play skips weekends)."},
            "message": {"help_text": "Plain text with merge fields, e.g. “Hi {{ contact.first_name }}”."},
        }

    def create(self, validated_data):
        return services.play_step_create(**validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("template", None)  # a step stays in its play
        return services.play_step_update(step=instance, **validated_data)


class PlayStepFilter(RequestedFilterSet):
    template = filters.NumberFilter(field_name="template_id")

    class Meta:
        model = PlayStep
        fields = ["template"]


class PlayStepViewSet(TenantModelViewSet):
    """The ordered steps of play templates. A message's merge fields are checked when the step is saved: an
    unknown one is a 400 naming it and the step. Every change raises the template's `version`; runs already
    launched keep their steps. Filter: `template`."""

    serializer_class = PlayStepSerializer
    filterset_class = PlayStepFilter
    ordering_fields = ["position"]
    ordering = ["position"]
    fragment_template = "plays/steps.html"

    def scoped_queryset(self):
        return selectors.play_step_list()

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["merge_fields"] = sorted(ALLOWED)
        context["new_template_id"] = self.request.query_params.get("template", "")
        return context

    def perform_destroy(self, instance):
        services.play_step_delete(step=instance)


class PlayTemplateSerializer(serializers.ModelSerializer):
    tiers = TenantRelatedField(model=Tier, many=True, required=False, help_text="Audience: tiers.", style=CHECKBOXES)
    personas = TenantRelatedField(
        model=Persona, many=True, required=False, help_text="Audience: personas.", style=CHECKBOXES
    )
    buying_roles = ChoiceList(
        choices=BuyingRole.choices, required=False, help_text="Audience: buying roles.", style=CHECKBOXES
    )
    tier_names = serializers.SerializerMethodField()
    persona_names = serializers.SerializerMethodField()
    steps_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = PlayTemplate
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "tiers",
            "tier_names",
            "personas",
            "persona_names",
            "buying_roles",
            "skip_weekends",
            "version",
            "steps_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        extra_kwargs = {"kind": {"choices": PlayKind.choices}}

    def get_tier_names(self, template) -> list[str]:
        return [tier.name for tier in template.tiers.all()]

    def get_persona_names(self, template) -> list[str]:
        return [persona.name for persona in template.personas.all()]

    def create(self, validated_data):
        return services.play_template_create(**validated_data)

    def update(self, instance, validated_data):
        return services.play_template_update(template=instance, **validated_data)


class PlayTemplateFilter(RequestedFilterSet):
    kind = filters.ChoiceFilter(choices=PlayKind.choices)

    class Meta:
        model = PlayTemplate
        fields = ["kind"]


class PlayTemplateViewSet(TenantModelViewSet):
    """The playbook: play templates with their kind and audience (tiers, personas, buying roles); their steps
    are `/play-steps/`. Everyone reads; members write. Filter: `kind`; search over the name."""

    serializer_class = PlayTemplateSerializer
    filterset_class = PlayTemplateFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    fragment_template = "plays/templates.html"

    def scoped_queryset(self):
        return selectors.play_template_list()

    def perform_destroy(self, instance):
        services.play_template_delete(template=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        if self.action == "retrieve" and response.status_code == 200:
            context["steps"] = list(selectors.template_steps([data["id"]]).order_by("position", "day_offset", "id"))
        return context

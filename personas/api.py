from django.db.models import Count
from django_filters import rest_framework as filters
from rest_framework import serializers
from rest_framework.fields import get_attribute
from rest_framework.utils import html

from abs_platform.tenancy.models import Role
from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet
from accounts.models import BuyingRole, Seniority
from icp.models import Tier

from . import selectors, services
from .coverage import missing_personas
from .models import Channel, CommitteeRequirement, Persona


class ListOfStrings(serializers.ListField):
    """A JSON list of strings; from an HTML form, comma-separated values are split into items."""

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if html.is_html_input(dictionary) and isinstance(value, list):
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        unique = []
        for item in items:
            if item.casefold() not in {seen.casefold() for seen in unique}:
                unique.append(item)
        return unique


class ChoiceList(serializers.ListField):
    def to_internal_value(self, data):
        return list(dict.fromkeys(super().to_internal_value(data)))


class PersonaSerializer(serializers.ModelSerializer):
    title_keywords = ListOfStrings(
        child=serializers.CharField(max_length=100, trim_whitespace=True),
        required=False,
        help_text="Words in a job title (whole words, any case), e.g. “CFO”, “finance”.",
    )
    departments = ListOfStrings(
        child=serializers.CharField(max_length=100, trim_whitespace=True),
        required=False,
        help_text="Department names (exact, any case).",
    )
    seniorities = ChoiceList(child=serializers.ChoiceField(choices=Seniority.choices), required=False)
    preferred_channels = ChoiceList(child=serializers.ChoiceField(choices=Channel.choices), required=False)
    contacts_count = serializers.IntegerField(read_only=True, default=0)
    rematch_job = serializers.SerializerMethodField(
        help_text="Id of the job re-matching contacts after this change (null when none was needed)."
    )

    class Meta:
        model = Persona
        fields = [
            "id",
            "name",
            "description",
            "challenges",
            "objectives",
            "career_goals",
            "decision_role",
            "information_sources",
            "preferred_channels",
            "title_keywords",
            "departments",
            "seniorities",
            "contacts_count",
            "rematch_job",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"decision_role": {"choices": BuyingRole.choices}}

    def get_rematch_job(self, persona) -> int | None:
        job = getattr(persona, "_rematch_job", None)
        return job.pk if job is not None else None

    def validate_name(self, value: str) -> str:
        if services.persona_name_taken(value, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(services.PERSONA_NAME_TAKEN)
        return value.strip()

    def create(self, validated_data):
        persona, job = services.persona_create(**validated_data)
        persona._rematch_job = job
        return persona

    def update(self, instance, validated_data):
        persona, job = services.persona_update(persona=instance, **validated_data)
        persona._rematch_job = job
        return persona


class MissingPersonaSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The persona.")
    name = serializers.CharField()
    missing = serializers.IntegerField(help_text="How many more current contacts of it the committee requires.")


def missing_personas_field() -> serializers.ListSerializer:
    """``missing_personas`` of the account API (registered in ``apps``)."""
    return MissingPersonaSerializer(
        many=True,
        read_only=True,
        help_text="The required personas the account lacks enough current contacts of, by name; [] when none is "
        "missing or nothing is required.",
    )


def missing_personas_of_page(rows) -> dict[int, list[dict]]:
    """The missing personas of a page of accounts: one query, and none when no account of it has a stored gap."""
    with_gaps = [get_attribute(row, ["id"]) for row in rows if get_attribute(row, ["coverage_gaps"])]
    return {get_attribute(row, ["id"]): [] for row in rows} | missing_personas(with_gaps)


class PersonaViewSet(TenantModelViewSet):
    """Buyer personas and their matching rules (`title_keywords`, `departments`, `seniorities`). Everyone
    reads; admins write. Changing the rules queues a re-match of automatically matched contacts
    (`rematch_job`). `contacts_count` counts the contacts with the persona. Search over the name."""

    serializer_class = PersonaSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    write_role = Role.ADMIN
    fragment_template = "personas/personas.html"

    def scoped_queryset(self):
        return selectors.persona_list().annotate(contacts_count=Count("contacts"))

    def perform_destroy(self, instance):
        services.persona_delete(persona=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["seniority_choices"] = Seniority.choices
        context["channel_choices"] = Channel.choices
        if self.action == "retrieve" and response.status_code == 200:
            context["contacts"] = selectors.persona_contacts(data["id"])
        return context


class CommitteeRequirementSerializer(serializers.ModelSerializer):
    tier = TenantRelatedField(model=Tier)
    tier_name = serializers.SerializerMethodField()
    persona = TenantRelatedField(model=Persona)
    persona_name = serializers.SerializerMethodField()

    class Meta:
        model = CommitteeRequirement
        fields = ["id", "tier", "tier_name", "persona", "persona_name", "min_contacts", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "min_contacts": {
                "min_value": 1,
                "max_value": 50,
                "initial": 1,
                "label": "Minimum contacts",
                "help_text": "Current contacts (active, verified within 365 days) with this persona an account needs.",
            }
        }

    def get_tier_name(self, requirement) -> str:
        return requirement.tier.name

    def get_persona_name(self, requirement) -> str:
        return requirement.persona.name

    def create(self, validated_data):
        return services.committee_requirement_create(**validated_data)

    def update(self, instance, validated_data):
        return services.committee_requirement_update(requirement=instance, **validated_data)


class CommitteeRequirementFilter(RequestedFilterSet):
    tier = filters.NumberFilter(field_name="tier_id")
    persona = filters.NumberFilter(field_name="persona_id")

    class Meta:
        model = CommitteeRequirement
        fields = ["tier", "persona"]


class CommitteeRequirementViewSet(TenantModelViewSet):
    """The required buying committee of each tier: a persona and the least number of current contacts
    (active, verified within 365 days) an account of the tier needs with it. Everyone reads; admins write.
    Filters: `tier`, `persona`."""

    serializer_class = CommitteeRequirementSerializer
    filterset_class = CommitteeRequirementFilter
    ordering_fields = ["created_at"]
    ordering = ["created_at"]
    write_role = Role.ADMIN
    fragment_template = "personas/committee.html"

    def scoped_queryset(self):
        return selectors.committee_requirement_list()

    def perform_destroy(self, instance):
        services.committee_requirement_delete(requirement=instance)

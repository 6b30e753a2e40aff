"""Contacts: serializer, filters, viewset (with the Contacts page's directory layout) and bulk changes."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import TextChoices
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from abs_platform.tenancy.context import workspace_today
from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import ReadBackAfterWrite, TenantModelViewSet

from .. import selectors, services
from ..freshness import FRESHNESS_DAYS, FRESHNESS_LABELS, freshness, freshness_q, needs_verification_q
from ..models import (
    Account,
    BuyingRole,
    Contact,
    ContactStatus,
    Seniority,
)
from .common import Persona, TenantIdsField, requested_account


class ContactSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(
        model=Account, style={"in_form": False}, error_messages={"null": "Choose the contact’s account."}
    )
    account_name = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()
    persona = TenantRelatedField(
        model=Persona,
        required=False,
        allow_null=True,
        style={"in_form": False},
        help_text="Naming a persona pins it (persona_overridden); null hands the contact back to automatic matching.",
    )
    persona_name = serializers.CharField(read_only=True)
    freshness = serializers.SerializerMethodField(
        help_text="current (active, verified within 365 days), stale, unverified or inactive."
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "account_name",
            "first_name",
            "last_name",
            "name",
            "title",
            "department",
            "seniority",
            "email",
            "phone",
            "linkedin_url",
            "persona",
            "persona_name",
            "persona_overridden",
            "persona_match_reason",
            "buying_role",
            "relationship_strength",
            "status",
            "last_verified_on",
            "freshness",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "persona_overridden", "persona_match_reason", "created_at", "updated_at"]
        extra_kwargs = {"status": {"initial": ContactStatus.ACTIVE}, "relationship_strength": {"initial": 0}}

    def get_name(self, contact) -> str:
        return str(contact)

    @cached_property
    def today(self) -> date:
        """The workspace's today, once per response (a list shares one child serializer)."""
        return workspace_today()

    def get_freshness(self, contact) -> str:
        return freshness(status=contact.status, last_verified_on=contact.last_verified_on, today=self.today)

    def validate_email(self, value: str) -> str:
        email = (value or "").strip().lower()
        if services.contact_email_taken(email, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(services.CONTACT_EMAIL_TAKEN)
        return email

    def create(self, validated_data):
        return services.contact_create(**validated_data)

    def update(self, instance, validated_data):
        return services.contact_update(contact=instance, **validated_data)


class ContactFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    account_owner = filters.NumberFilter(field_name="account__owner_id", label="The account owner's user id")
    persona = filters.NumberFilter(field_name="persona_id")
    no_persona = filters.BooleanFilter(field_name="persona", lookup_expr="isnull", label="Without a persona")
    buying_role = filters.ChoiceFilter(choices=BuyingRole.choices)
    status = filters.ChoiceFilter(choices=ContactStatus.choices)
    seniority = filters.ChoiceFilter(choices=Seniority.choices)
    department = filters.CharFilter(lookup_expr="iexact", label="Department, any case")
    freshness = filters.ChoiceFilter(
        choices=[(label, label) for label in FRESHNESS_LABELS],
        method="filter_freshness",
        label="The contacts whose freshness field has this value: current, stale, unverified or inactive",
    )
    stale = filters.BooleanFilter(
        method="filter_stale",
        label=f"Due for re-verification, whatever the status: not verified within {FRESHNESS_DAYS} days or never",
    )

    class Meta:
        model = Contact
        fields = ["account", "persona", "buying_role", "status", "seniority"]

    def filter_freshness(self, queryset, name, value):
        return queryset.filter(freshness_q(value, workspace_today()))

    def filter_stale(self, queryset, name, value):
        stale = needs_verification_q(workspace_today())
        return queryset.filter(stale) if value else queryset.exclude(stale)


class ContactBulkAction(TextChoices):
    MARK_VERIFIED = "mark_verified", "Mark verified"
    SET_STATUS = "set_status", "Set status"
    SET_PERSONA = "set_persona", "Set persona"


class ContactBulkSerializer(serializers.Serializer):
    ids = TenantIdsField(
        noun="contact",
        lookup=selectors.contacts_by_ids,
        min_length=1,
        max_length=500,
        error_messages={"required": "Select at least one contact.", "min_length": "Select at least one contact."},
    )
    action = serializers.ChoiceField(choices=ContactBulkAction.choices)
    verified_on = serializers.DateField(
        required=False, allow_null=True, help_text="For mark_verified: the verification date (default: today)."
    )
    status = serializers.ChoiceField(
        choices=ContactStatus.choices, required=False, allow_blank=True, help_text="For set_status."
    )
    persona = TenantRelatedField(
        model=Persona,
        required=False,
        allow_null=True,
        help_text="For set_persona: pins this persona; null hands the contacts back to automatic matching.",
    )

    def validate(self, data):
        if data["action"] == ContactBulkAction.SET_STATUS and not data.get("status"):
            raise serializers.ValidationError({"status": ["Choose the status to set."]})
        if data["action"] == ContactBulkAction.SET_PERSONA and "persona" not in data:
            raise serializers.ValidationError(
                {"persona": ["Choose the persona to pin, or null for automatic matching."]}
            )
        return data


class ContactBulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


# The Contacts page asks for its own row layout with this header (htmx sends it with every request of the page).
CONTACT_LAYOUT_HEADER = "X-Contact-Layout"
CONTACT_DIRECTORY_TEMPLATE = "accounts/contact_directory.html"
CONTACT_DIRECTORY_COLUMNS = 12


class ContactViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Contacts (stakeholders) at target accounts. Filters: `account`, `account_owner` (user id),
    `persona`, `no_persona`, `buying_role`, `status`, `seniority`, `department` (any case), `freshness`
    (the field's values: current, stale, unverified, inactive), `stale` (due for re-verification, whatever the
    status: last verified more than 365 days ago, or never). Search (`search`) over first and last name, e-mail and
    title. Sort (`ordering`): `last_name`, `account_sort` (account name), `verified_sort` (last verified,
    never verified first), `created_at`, `updated_at`; prefix `-` for descending. E-mails are stored in lower
    case and unique within the workspace. The persona is matched automatically from title, department and
    seniority unless one is named (which pins it). `POST bulk/` applies one change to many contacts."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "title"]
    ordering_fields = ["last_name", "account_sort", "verified_sort", "created_at", "updated_at"]
    ordering = ["last_name"]
    fragment_template = "accounts/contacts.html"

    def scoped_queryset(self):
        return selectors.contact_list()

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        if self.action in ("new_form", "edit_form", "create", "update", "partial_update"):
            context["personas"] = list(Persona.objects.only("id", "name"))
            instance = context["serializer"].instance if context["serializer"] is not None else None
            context["pinned_persona"] = instance.persona_id if instance and instance.persona_overridden else None
            context["account_id"] = instance.account_id if instance else requested_account(self.request)
        if self.is_directory_layout():
            context.update(self._directory_context(context, response))
        return context

    @extend_schema(request=ContactBulkSerializer, responses={200: ContactBulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Apply one change to up to 500 contacts: all of them or none."""
        serializer = self.get_serializer(data=request.data, serializer_class=ContactBulkSerializer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            updated = services.contacts_bulk_change(
                contacts=data["ids"],
                action=data["action"],
                status=data.get("status", ""),
                persona=data.get("persona"),
                verified_on=data.get("verified_on"),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response({"updated": updated})
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    # --- The Contacts page's layout (the account page uses the default one) ---

    def is_directory_layout(self) -> bool:
        return self.request.headers.get(CONTACT_LAYOUT_HEADER) == "directory"

    def get_fragment_template(self, response):
        if self.action == "bulk":
            return f"{CONTACT_DIRECTORY_TEMPLATE}#bulk-result"
        template = super().get_fragment_template(response)
        if self.is_directory_layout() and template.startswith(f"{self.fragment_template}#"):
            return CONTACT_DIRECTORY_TEMPLATE + template.removeprefix(self.fragment_template)
        return template

    def _directory_context(self, context, response) -> dict:
        """Rows with the account and a selection box; forms that choose the account."""
        params = self.request.query_params
        extra = {
            "columns": CONTACT_DIRECTORY_COLUMNS,
            "freshness_days": FRESHNESS_DAYS,
            "account_pages_url": reverse("accounts:page", args=[self.tenant.slug]),  # rows add "<id>/"
            # Without filters or search an empty first page means the workspace has no contacts at all.
            "filtered": any(value for key, value in params.items() if key not in ("ordering", "page_size", "cursor")),
        }
        shows_form = self.action in ("new_form", "edit_form") or response.status_code == status.HTTP_400_BAD_REQUEST
        if shows_form and "account_id" in context:
            extra["account_choices"] = selectors.account_choices(selected=context["account_id"])
            extra["account_options_url"] = reverse("contacts:account-options", kwargs={"tenant_slug": self.tenant.slug})
        return extra

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, [CONTACT_LAYOUT_HEADER])
        return response

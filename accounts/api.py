import json
from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q, TextChoices
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.tenancy.context import get_current_tenant, get_current_user, workspace_today, workspace_zone
from abs_platform.tenancy.models import Role
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from abs_platform.web.filters import QueryParamFilterBackend, RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet

from . import exports, imports, selectors, services
from .domains import normalize_domain
from .engagement import day_start
from .freshness import FRESHNESS_DAYS, freshness, needs_verification_q
from .models import (
    CLOSED_STAGES,
    Account,
    AccountStatus,
    AccountTechnology,
    Activity,
    ActivityChannel,
    ActivityDirection,
    BuyingRole,
    Contact,
    ContactStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
    SavedView,
    SavedViewList,
    Seniority,
    Signal,
    SignalType,
    Technology,
    TechnologyRelation,
    check_activity_time,
)

# The tier and persona models belong to higher layers (icp, personas): reached through the foreign keys.
Tier = Account._meta.get_field("tier").related_model
Persona = Contact._meta.get_field("persona").related_model


class ReadBackAfterWrite:
    """A write answers the object as a read does: read back through the selector (its annotated names)."""

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class AccountSerializer(serializers.ModelSerializer):
    owner = TenantMemberField(required=False, allow_null=True)
    owner_name = serializers.CharField(read_only=True)
    parent = TenantRelatedField(model=Account, required=False, allow_null=True, style={"in_form": False})
    country = CountryField(required=False, allow_blank=True, country_dict=False)
    tier_name = serializers.CharField(read_only=True)
    coverage_percent = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Share of the tier's required personas covered by current contacts; null: nothing required.",
    )
    coverage_gaps = serializers.IntegerField(read_only=True, help_text="Required personas not yet covered.")

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "website",
            "industry",
            "employee_count",
            "annual_revenue",
            "country",
            "status",
            "owner",
            "owner_name",
            "is_target",
            "parent",
            "fit_score",
            "tier",
            "tier_name",
            "coverage_percent",
            "coverage_gaps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "fit_score", "tier", "created_at", "updated_at"]
        extra_kwargs = {
            "domain": {"style": {"placeholder": "acme.com"}},
            "website": {"style": {"placeholder": "https://www.acme.com"}},
            "annual_revenue": {"min_value": 0},
            # The dashboard's empty form starts from the model defaults (DRF's BooleanField starts unchecked,
            # and an unchecked box posts False: new accounts would silently leave the target list).
            "is_target": {"initial": True},
            "status": {"initial": AccountStatus.PROSPECT},
        }

    def validate_domain(self, value: str) -> str:
        try:
            domain = normalize_domain(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return domain

    def create(self, validated_data):
        return services.account_create(**validated_data)

    def update(self, instance, validated_data):
        return services.account_update(account=instance, **validated_data)


class BulkAction(TextChoices):
    MARK_TARGET = "mark_target", "Mark as target"
    UNMARK_TARGET = "unmark_target", "Remove from targets"
    ASSIGN_OWNER = "assign_owner", "Assign owner"
    SET_TIER = "set_tier", "Set tier"


class TenantIdsField(serializers.ListField):
    """Ids of this workspace's objects (JSON list or repeated form field), answered as the objects; unknown
    ids — including other workspaces' — are listed in the error, which reveals nothing about them."""

    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)  # ids are bigint

    def __init__(self, *, noun: str, lookup, **kwargs):
        """``lookup(ids)``: the scoped selector that answers the objects of this workspace among ``ids``."""
        self.noun, self.lookup = noun, lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            data = data.getlist(self.field_name)
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        objects = list(self.lookup(ids))
        missing = sorted(set(ids) - {obj.pk for obj in objects})
        if missing:
            raise serializers.ValidationError(
                f"No {self.noun} with id {', '.join(map(str, missing))} in this workspace."
            )
        return objects

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            return dictionary.getlist(self.field_name) or serializers.empty
        return dictionary.get(self.field_name, serializers.empty)


class AccountBulkSerializer(serializers.Serializer):
    ids = TenantIdsField(noun="account", lookup=selectors.accounts_by_ids, min_length=1, max_length=500)
    action = serializers.ChoiceField(choices=BulkAction.choices)
    owner = TenantMemberField(required=False, allow_null=True, help_text="For assign_owner; null unassigns.")
    tier = TenantRelatedField(model=Tier, required=False, help_text="For set_tier.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text="For set_tier.")

    def validate(self, data):
        if data["action"] == BulkAction.ASSIGN_OWNER and "owner" not in data:
            raise serializers.ValidationError({"owner": ["Choose the owner to assign."]})
        if data["action"] == BulkAction.SET_TIER:
            if data.get("tier") is None:
                raise serializers.ValidationError({"tier": ["Choose the tier."]})
            if not data.get("reason", "").strip():
                raise serializers.ValidationError(
                    {"reason": ["Say why these accounts belong in another tier than suggested."]}
                )
        return data


class AccountBulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class AccountFilter(RequestedFilterSet):
    """Filters of the account list. Coverage filters use the annotations of ``selectors.account_list``."""

    status = filters.ChoiceFilter(choices=AccountStatus.choices)
    tier = filters.NumberFilter(field_name="tier_id")
    no_tier = filters.BooleanFilter(field_name="tier", lookup_expr="isnull")
    fit_min = filters.NumberFilter(field_name="fit_score", lookup_expr="gte", min_value=0, max_value=100)
    fit_max = filters.NumberFilter(field_name="fit_score", lookup_expr="lte", min_value=0, max_value=100)
    coverage_min = filters.NumberFilter(method="filter_coverage", min_value=0, max_value=100)
    coverage_max = filters.NumberFilter(method="filter_coverage", min_value=0, max_value=100)
    has_gaps = filters.BooleanFilter(method="filter_has_gaps")
    industry = filters.CharFilter()
    country = filters.CharFilter()
    owner = filters.NumberFilter(field_name="owner_id")
    is_target = filters.BooleanFilter()
    employees_min = filters.NumberFilter(field_name="employee_count", lookup_expr="gte")
    employees_max = filters.NumberFilter(field_name="employee_count", lookup_expr="lte")

    class Meta:
        model = Account
        fields = ["status", "industry", "country", "owner", "is_target"]

    def filter_has_gaps(self, queryset, name, value):
        return queryset.filter(coverage_gaps__gt=0) if value else queryset.filter(coverage_gaps=0)

    def filter_coverage(self, queryset, name, value):
        lookup = "gte" if name == "coverage_min" else "lte"
        return queryset.filter(**{f"coverage_percent__{lookup}": value})


class AccountViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Target accounts. List, filter (`status`, `industry`, `country`, `owner`, `is_target`,
    `employees_min`, `employees_max`, `tier`, `no_tier`, `fit_min`, `fit_max`, `coverage_min`,
    `coverage_max`, `has_gaps`), search (`search` over name and domain), sort (`ordering`: `name`,
    `created_at`, `updated_at`, `fit_sort` (fit score, unscored last), prefix `-` for descending), keyset-paginated with
    `cursor` links. `POST bulk/` applies one change to many accounts."""

    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "created_at", "updated_at", "fit_sort"]
    ordering = ["-created_at"]
    fragment_template = "accounts/accounts.html"

    def scoped_queryset(self):
        return selectors.account_list()

    def perform_destroy(self, instance):
        services.account_delete(account=instance)

    def get_write_role(self):
        if self.action == "bulk" and self.request.data.get("action") == BulkAction.SET_TIER:
            return Role.ADMIN  # tier overrides are an admin decision, as on the tier-overrides endpoint
        return super().get_write_role()

    @extend_schema(request=AccountBulkSerializer, responses={200: AccountBulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Apply one change to up to 500 accounts: all of them or none."""
        serializer = AccountBulkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            updated = services.accounts_bulk_change(
                accounts=data["ids"],
                action=data["action"],
                owner=data.get("owner"),
                tier=data.get("tier"),
                reason=data.get("reason", ""),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response({"updated": updated})
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    def get_fragment_template(self, response):
        if self.action == "bulk":
            return "accounts/accounts.html#bulk-result"
        return super().get_fragment_template(response)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        # Rows link to ``<account_pages_url><id>/``.
        context["account_pages_url"] = reverse("accounts:page", args=[self.tenant.slug])
        return context


# --- Contacts ------------------------------------------------------------------------------------------


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
    stale = filters.BooleanFilter(
        method="filter_stale", label=f"Not verified within {FRESHNESS_DAYS} days (or never): true / false"
    )

    class Meta:
        model = Contact
        fields = ["account", "persona", "buying_role", "status", "seniority"]

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
    `persona`, `no_persona`, `buying_role`, `status`, `seniority`, `department` (any case), `stale` (true:
    last verified more than 365 days ago, or never). Search (`search`) over first and last name, e-mail and
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
            context["account_id"] = instance.account_id if instance else _requested_account(self.request)
        if self.is_directory_layout():
            context.update(self._directory_context(context, response))
        return context

    @extend_schema(request=ContactBulkSerializer, responses={200: ContactBulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Apply one change to up to 500 contacts: all of them or none."""
        serializer = ContactBulkSerializer(data=request.data, context=self.get_serializer_context())
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


# --- Signals -------------------------------------------------------------------------------------------


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
        context["account_id"] = _account_id_for_form(self, context)
        return context


def _account_id_for_form(view, context):
    instance = context["serializer"].instance if context.get("serializer") is not None else None
    if instance is not None and hasattr(instance, "account_id"):
        return instance.account_id
    return _requested_account(view.request)


def _requested_account(request):
    """The account id a new form is for: from the submitted form, else from ``?account=``."""
    data = request.data if hasattr(request.data, "get") else {}
    return data.get("account") or request.GET.get("account")


# --- Activities (the engagement log) ------------------------------------------------------------------


def _local_now_for_form() -> str:
    """Now, as a datetime-local input shows it (the workspace's wall clock, to the minute)."""
    return timezone.localtime(timezone.now(), workspace_zone()).strftime("%Y-%m-%dT%H:%M")


def _acting_user_id():
    user = get_current_user()
    return user.pk if getattr(user, "is_authenticated", False) else None


class ActivitySerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    contact = TenantRelatedField(
        model=Contact,
        required=False,
        allow_null=True,
        style={"in_form": False},
        help_text="A contact of the same account.",
    )
    contact_name = serializers.SerializerMethodField()
    occurred_at = serializers.DateTimeField(
        default=serializers.CreateOnlyDefault(timezone.now),
        initial=_local_now_for_form,
        help_text="When it happened (default on create: now; a full update without it keeps it); not in the future. "
        "Without an offset: the workspace's time zone.",
    )
    owner = TenantMemberField(
        required=False, allow_null=True, initial=_acting_user_id, help_text="The team member who made or received it."
    )
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "account",
            "account_name",
            "contact",
            "contact_name",
            "channel",
            "direction",
            "occurred_at",
            "subject",
            "notes",
            "owner",
            "owner_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "direction": {"initial": ActivityDirection.OUTBOUND},
            "channel": {"initial": ActivityChannel.EMAIL},
            "subject": {"style": {"placeholder": "e.g. Intro e-mail to the CFO"}},
        }

    def get_account_name(self, activity) -> str:
        return activity.account.name

    def get_contact_name(self, activity) -> str:
        return str(activity.contact) if activity.contact_id else ""

    def get_owner_name(self, activity) -> str:
        owner = activity.owner
        return (owner.get_full_name() or owner.username) if owner else ""

    def to_internal_value(self, data):
        # Naive times (the dashboard's datetime-local input) are read in the workspace's time zone.
        with timezone.override(workspace_zone()):
            return super().to_internal_value(data)

    def validate_occurred_at(self, value):
        try:
            check_activity_time(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def create(self, validated_data):
        return services.activity_create(**validated_data)

    def update(self, instance, validated_data):
        return services.activity_update(activity=instance, **validated_data)


class DayOrMomentField(forms.Field):
    """A date (``YYYY-MM-DD``, a whole day in the workspace's time zone) or an ISO 8601 date-time."""

    default_error_messages = {
        "invalid": "Enter a date (YYYY-MM-DD) or an ISO 8601 date-time.",
        "range": "Enter a date between 0001-01-03 and 9999-12-29.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        try:
            parsed = parse_date(value) or parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # A day's bounds in any time zone, converted to UTC, must stay inside what datetime can hold.
        day = parsed.date() if isinstance(parsed, datetime) else parsed
        if not date.min + timedelta(days=2) <= day <= date.max - timedelta(days=2):
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return parsed


@extend_schema_field(OpenApiTypes.STR)
class DayOrMomentFilter(filters.Filter):
    field_class = DayOrMomentField


def _moment_bound(value, *, end_of_day: bool):
    """An aware datetime for a filter value: a date is its day's start (or the next day's start)."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, workspace_zone())
    return day_start(value + timedelta(days=1) if end_of_day else value, workspace_zone())


class ActivityFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    contact = filters.NumberFilter(field_name="contact_id")
    owner = filters.NumberFilter(field_name="owner_id")
    channel = filters.ChoiceFilter(choices=ActivityChannel.choices)
    direction = filters.ChoiceFilter(choices=ActivityDirection.choices)
    occurred_after = DayOrMomentFilter(
        method="filter_occurred_after",
        label="On or after: a date (whole days, workspace time zone) or an ISO 8601 date-time",
    )
    occurred_before = DayOrMomentFilter(
        method="filter_occurred_before",
        label="On or before: a date (whole days, workspace time zone) or an ISO 8601 date-time",
    )

    class Meta:
        model = Activity
        fields = ["account", "contact", "owner", "channel", "direction"]

    def filter_occurred_after(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_moment_bound(value, end_of_day=False))

    def filter_occurred_before(self, queryset, name, value):
        if isinstance(value, datetime):
            return queryset.filter(occurred_at__lte=_moment_bound(value, end_of_day=False))
        return queryset.filter(occurred_at__lt=_moment_bound(value, end_of_day=True))


class ActivityViewSet(TenantModelViewSet):
    """The engagement log: touches by the team (`direction` `outbound`) and responses from the account
    (`inbound`) on a `channel`, optionally with one of the account's contacts. Filters: `account`, `contact`,
    `owner`, `channel`, `direction`, `occurred_after`, `occurred_before` (a date — a whole day in the
    workspace's time zone — or an ISO 8601 date-time). Search over subject and notes. Newest first."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["subject", "notes"]
    ordering_fields = ["occurred_at", "created_at"]
    ordering = ["-occurred_at"]
    fragment_template = "accounts/activities.html"

    def scoped_queryset(self):
        return selectors.activity_list()

    def perform_destroy(self, instance):
        services.activity_delete(activity=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["account_id"] = _account_id_for_form(self, context)
        if self.action in ("new_form", "edit_form", "create", "update", "partial_update"):
            instance = context["serializer"].instance if context["serializer"] is not None else None
            context["contacts"] = selectors.account_contact_choices(context["account_id"])
            context["chosen_contact"] = _chosen(self.request, "contact", instance.contact_id if instance else None)
        return context


def _chosen(request, name, fallback):
    """The id a form's select shows: the submitted one (re-rendered with errors), else the saved one."""
    data = request.data if hasattr(request.data, "get") else {}
    value = data.get(name, fallback)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- Opportunities -------------------------------------------------------------------------------------


class OpportunitySerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account, style={"in_form": False})
    account_name = serializers.SerializerMethodField()
    opened_on = serializers.DateField(
        default=serializers.CreateOnlyDefault(workspace_today),
        initial=workspace_today,
        help_text="Default on create: today; a full update without it keeps it.",
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


class OpportunityViewSet(TenantModelViewSet):
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

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["account_id"] = _account_id_for_form(self, context)
        return context


# --- Technologies --------------------------------------------------------------------------------------


class TechnologySerializer(serializers.ModelSerializer):
    class Meta:
        model = Technology
        fields = ["id", "name", "category", "relation", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"relation": {"initial": TechnologyRelation.OTHER}}

    def validate_name(self, value: str) -> str:
        if services.technology_name_taken(value, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(services.TECHNOLOGY_NAME_TAKEN)
        return value.strip()

    def create(self, validated_data):
        return services.technology_create(**validated_data)

    def update(self, instance, validated_data):
        return services.technology_update(technology=instance, **validated_data)


class TechnologyFilter(RequestedFilterSet):
    relation = filters.ChoiceFilter(choices=TechnologyRelation.choices)
    category = filters.CharFilter()

    class Meta:
        model = Technology
        fields = ["relation", "category"]


class TechnologyViewSet(TenantModelViewSet):
    """The workspace's technology catalogue (technographics): everyone reads, admins write.
    Filters: `relation` (competitor, complementary, other), `category`. Search over name and category."""

    serializer_class = TechnologySerializer
    filterset_class = TechnologyFilter
    search_fields = ["name", "category"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    write_role = Role.ADMIN
    fragment_template = "accounts/technologies.html"

    def scoped_queryset(self):
        return selectors.technology_list()

    def perform_destroy(self, instance):
        services.technology_delete(technology=instance)


class AccountTechnologySerializer(serializers.ModelSerializer):
    account = TenantRelatedField(model=Account)
    technology = TenantRelatedField(model=Technology)
    technology_name = serializers.SerializerMethodField()
    relation = serializers.SerializerMethodField()

    class Meta:
        model = AccountTechnology
        fields = ["id", "account", "technology", "technology_name", "relation", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_technology_name(self, link) -> str:
        return link.technology.name

    def get_relation(self, link) -> str:
        return link.technology.relation

    def validate(self, attrs):
        account = attrs.get("account", getattr(self.instance, "account", None))
        technology = attrs.get("technology", getattr(self.instance, "technology", None))
        duplicate = AccountTechnology.objects.filter(account=account, technology=technology)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise serializers.ValidationError({"technology": ["The account already uses this technology."]})
        return attrs

    def create(self, validated_data):
        return services.account_technology_add(**validated_data)

    def update(self, instance, validated_data):
        return services.account_technology_update(link=instance, **validated_data)


class AccountTechnologySetSerializer(serializers.Serializer):
    account = TenantRelatedField(model=Account)
    technologies = TenantRelatedField(model=Technology, many=True, allow_empty=True)


class AccountTechnologyFilter(RequestedFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    technology = filters.NumberFilter(field_name="technology_id")

    class Meta:
        model = AccountTechnology
        fields = ["account", "technology"]


class AccountTechnologyViewSet(TenantModelViewSet):
    """Technologies in use at accounts (links between an account and the catalogue). Filters: `account`,
    `technology`. `POST set/` with `{"account": id, "technologies": [ids]}` replaces an account's whole set."""

    serializer_class = AccountTechnologySerializer
    filterset_class = AccountTechnologyFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    fragment_template = "accounts/account_technologies.html"

    def scoped_queryset(self):
        return selectors.account_technology_list()

    def perform_destroy(self, instance):
        services.account_technology_remove(link=instance)

    @extend_schema(request=AccountTechnologySetSerializer, responses=AccountTechnologySerializer(many=True))
    @action(detail=False, methods=["post"], url_path="set")
    def set(self, request, *args, **kwargs):
        """Replace the technologies in use at one account; answers the account's links."""
        serializer = AccountTechnologySetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = serializer.validated_data["account"]
        services.account_set_technologies(account=account, technologies=serializer.validated_data["technologies"])
        links = selectors.account_technology_list().filter(account=account).order_by("technology__name", "id")
        return Response(AccountTechnologySerializer(links, many=True).data, status=status.HTTP_200_OK)


# --- CSV import and export -----------------------------------------------------------------------------


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    error = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField(help_text="Rows per outcome of the last dry run or commit.")
    rows = serializers.SerializerMethodField(
        help_text="Every row's outcome (`row` is the line in the file, the header being 1) when the file has at most "
        "1,000 rows; larger reports are read page by page from `rows/`."
    )
    field_choices = serializers.SerializerMethodField(help_text="The fields that columns can be mapped to.")
    job = ImportJobSerializer(read_only=True, allow_null=True)
    written = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "status",
            "file_name",
            "row_count",
            "headers",
            "mapping",
            "field_choices",
            "counts",
            "rows",
            "written",
            "error",
            "job",
            "created_at",
            "committed_at",
        ]
        read_only_fields = fields

    def get_counts(self, batch) -> dict:
        if hasattr(batch, "report_counts"):
            return batch.report_counts or {}
        return batch.report.get("counts", {})

    def get_rows(self, batch) -> list | None:
        if hasattr(batch, "report_counts") or batch.row_count > imports.API_ROWS_INLINE:
            return None
        return batch.report.get("rows", [])

    def get_written(self, batch) -> dict:
        return {} if hasattr(batch, "report_counts") else batch.report.get("written", {})

    def get_field_choices(self, batch) -> list[dict]:
        return [{"name": spec.name, "label": spec.label} for spec in imports.FIELDS[batch.kind]]


class ImportMappingField(serializers.JSONField):
    """A JSON object of column → field; multipart forms send it as a JSON string."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            raise serializers.ValidationError("Send an object of column name → field name.")
        return data


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="CSV, UTF-8 (BOM optional), comma or semicolon separated, ≤ 10 MB.")
    mapping = ImportMappingField(
        required=False,
        help_text='Column → field, e.g. {"Company": "name", "Web": "domain", "Notes": ""} ("" ignores a column); '
        "columns left out keep their automatic mapping.",
    )


class ImportMappingSerializer(serializers.Serializer):
    mapping = ImportMappingField(required=False)


class ImportRowsQuerySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=imports.OUTCOMES, required=False)
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=500)


def _import_error_response(error: Exception) -> Response:
    key = {imports.ImportFileError: "file", imports.ImportMappingError: "mapping"}.get(type(error), "detail")
    return Response({key: [str(error)] if key != "detail" else str(error)}, status=status.HTTP_400_BAD_REQUEST)


class ImportBatchViewSet(TenantModelViewSet):
    """CSV imports of accounts or contacts: upload, dry run, commit.

    `POST` (multipart: `kind` = accounts | contacts, `file`, optional `mapping` as JSON) checks the file, maps
    its columns (automatically by header name and common aliases, overridden by `mapping`) and runs the dry run:
    every row's outcome — `create`, `update`, `skip` or `error` with the field, column, value and reason — and
    nothing written. `POST {id}/dry-run/` with a new `mapping` runs it again; `POST {id}/commit/` writes every
    row in one transaction or none (refused while any row has an error). Files of more than 500 rows run as a
    background job: the answer is 202 and `job` shows the progress (poll `GET {id}/`). Accounts are matched by
    normalized domain, contacts by lower-case e-mail; a second row for the same record is an error. A malformed
    file (not UTF-8, no header or rows, a required column missing, more than 50,000 rows or 10 MB) is a 400
    naming the problem, and nothing is kept."""

    serializer_class = ImportBatchSerializer
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ["-created_at"]
    ordering_fields = ["created_at"]

    def scoped_queryset(self):
        queryset = ImportBatch.objects.select_related("job").defer("content")
        if self.action == "list":
            queryset = queryset.defer("content", "report").annotate(report_counts=models.F("report__counts"))
        return queryset

    def _answer(self, batch, created=False) -> Response:
        batch = self.scoped_queryset().get(pk=batch.pk)
        if batch.status in (ImportStatus.VALIDATING, ImportStatus.COMMITTING):
            code = status.HTTP_202_ACCEPTED
        else:
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(batch).data, status=code)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses=ImportBatchSerializer)
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            batch = imports.batch_create(kind=data["kind"], upload=data["file"])
            batch = imports.batch_set_mapping(batch=batch, mapping=data.get("mapping") or {})
            batch = imports.batch_run(batch=batch, phase="dry_run")
        except (imports.ImportFileError, imports.ImportMappingError, imports.ImportCommitError) as error:
            return _import_error_response(error)
        return self._answer(batch, created=True)

    @extend_schema(request=ImportMappingSerializer, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request, *args, **kwargs):
        """Run the dry run again, with a changed `mapping` if given."""
        batch = self.get_object()
        payload = ImportMappingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            batch = imports.batch_set_mapping(batch=batch, mapping=payload.validated_data.get("mapping") or {})
            batch = imports.batch_run(batch=batch, phase="dry_run")
        except (imports.ImportMappingError, imports.ImportCommitError) as error:
            return _import_error_response(error)
        return self._answer(batch)

    @extend_schema(request=None, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, *args, **kwargs):
        """Write the import: every row or none."""
        batch = self.get_object()
        try:
            batch = imports.batch_run(batch=batch, phase="commit")
        except imports.ImportCommitError as error:
            return _import_error_response(error)
        return self._answer(batch)

    @extend_schema(parameters=[ImportRowsQuerySerializer])
    @action(detail=True, methods=["get"])
    def rows(self, request, *args, **kwargs):
        """The report's rows, optionally of one `outcome`, `limit` rows from `offset`."""
        query = ImportRowsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        outcome, offset, limit = (query.validated_data.get(k) for k in ("outcome", "offset", "limit"))
        rows = self.get_object().report.get("rows", [])
        if outcome:
            rows = [row for row in rows if row["outcome"] == outcome]
        return Response({"count": len(rows), "results": rows[offset : offset + limit]})


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors pass through here (the CSV itself is an HttpResponse); they read as JSON text.
        return JSONRenderer().render(data)


def _list_queryset(viewset_class, request):
    """The rows that ``viewset_class``'s list shows for this request's query parameters (filters, search,
    ordering), unpaginated."""
    view = viewset_class(request=request, args=(), kwargs={}, format_kwarg=None, action="list")
    return view.filter_queryset(view.get_queryset())


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AccountExportViewSet(ViewSet):
    """CSV of the accounts list: the same query parameters as `GET /accounts/` (filters, `search`, `ordering`),
    every matching row (not one page). Cells that a spreadsheet would read as a formula (starting with
    `= + - @`, tab, CR or NUL) are prefixed with an apostrophe."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): str})
    def list(self, request, *args, **kwargs):
        queryset = _list_queryset(AccountViewSet, request)
        return _csv_response(exports.accounts_csv(queryset), f"accounts-{workspace_today():%Y-%m-%d}.csv")


class ContactExportViewSet(ViewSet):
    """CSV of the contacts list: the same query parameters as `GET /contacts/`, every matching row, formula
    cells neutralized as for accounts."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(responses={(200, "text/csv"): str})
    def list(self, request, *args, **kwargs):
        queryset = _list_queryset(ContactViewSet, request)
        return _csv_response(exports.contacts_csv(queryset), f"contacts-{workspace_today():%Y-%m-%d}.csv")


# --- Saved views of the account and contact lists --------------------------------------------------

SAVED_VIEW_LISTS = {
    SavedViewList.ACCOUNTS: (AccountFilter, "accounts:page"),
    SavedViewList.CONTACTS: (ContactFilter, "contacts:page"),
}


class SavedViewSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The list's page (Accounts or Contacts) with these filters.")

    class Meta:
        model = SavedView
        fields = ["id", "name", "list", "query", "is_shared", "owner_name", "url", "created_at"]
        read_only_fields = ["id", "owner_name", "url", "created_at"]
        extra_kwargs = {"list": {"help_text": "The list whose filters these are (default accounts); set on creation."}}

    def get_owner_name(self, view) -> str:
        return view.user.get_full_name() or view.user.username

    def get_url(self, view) -> str:
        path = reverse(SAVED_VIEW_LISTS[view.list][1], kwargs={"tenant_slug": get_current_tenant().slug})
        return f"{path}?{view.query}" if view.query else path

    def validate_list(self, value: str) -> str:
        if self.instance is not None and value != self.instance.list:
            raise serializers.ValidationError("A saved view stays with its list; save a new view for another list.")
        return value

    def validate(self, data):
        if not self.context["request"].user.is_authenticated:
            raise serializers.ValidationError("Saved views belong to a person; this API key has no creator.")
        list_name = data.get("list", getattr(self.instance, "list", SavedViewList.ACCOUNTS))
        if "query" in data:
            # Keep only the list's own filter parameters.
            allowed = set(SAVED_VIEW_LISTS[list_name][0].base_filters) | {"search", "ordering"}
            params = QueryDict(data["query"].lstrip("?"))
            data["query"] = urlencode(
                [(key, item) for key in params if key in allowed for item in params.getlist(key) if item]
            )
        name = data.get("name", getattr(self.instance, "name", ""))
        duplicates = selectors.saved_views_for(self.context["request"].user).filter(
            user=self.context["request"].user, list=list_name, name=name
        )
        if self.instance is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise serializers.ValidationError({"name": ["You already have a saved view with this name."]})
        return data

    def create(self, validated_data):
        return services.saved_view_create(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.saved_view_update(view=instance, **validated_data)


class SavedViewFilter(RequestedFilterSet):
    list = filters.ChoiceFilter(choices=SavedViewList.choices)

    class Meta:
        model = SavedView
        fields = ["list"]


class SavedViewViewSet(TenantModelViewSet):
    """Named filter sets of the account and contact lists: your own, and those others shared. You change only
    your own. Filter: `list` (`accounts` or `contacts`)."""

    serializer_class = SavedViewSerializer
    fragment_template = "accounts/saved_views.html"
    write_role = Role.VIEWER  # personal filters: everyone may save their own
    filter_backends = [QueryParamFilterBackend]
    filterset_class = SavedViewFilter
    ordering = ["name", "id"]

    def scoped_queryset(self):
        queryset = selectors.saved_views_for(self.request.user)
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = queryset.filter(user_id=getattr(self.request.user, "pk", None))
        return queryset

    def perform_destroy(self, instance):
        services.saved_view_delete(view=instance)

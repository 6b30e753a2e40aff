"""Target accounts: serializer, filters, viewset and bulk changes."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import TextChoices
from django.db.models.manager import BaseManager
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from abs_platform.tenancy.models import Role
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.numbers import LocalizedNumbersModelSerializer
from abs_platform.web.pagination import TenantCursorPagination
from abs_platform.web.viewsets import ReadBackAfterWrite, TenantModelViewSet

from .. import selectors, services
from ..domains import normalize_domain
from ..extensions import account_page_fields, add_page_values, filter_accounts
from ..models import (
    Account,
    AccountStatus,
)
from .common import TenantIdsField, Tier

TIER_SET_ON_CREATE = "Set by hand when the account was created."
TIER_CHANGE_ELSEWHERE = "Change a tier through /api/v1/tier-overrides/ (admins), with the reason."


class AccountListSerializer(serializers.ListSerializer):
    """A page of accounts: the registered page fields read their values for all of it at once."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, BaseManager) else data)
        add_page_values(rows)
        return super().to_representation(rows)


class AccountSerializer(LocalizedNumbersModelSerializer):
    owner = TenantMemberField(required=False, allow_null=True)
    owner_name = serializers.CharField(read_only=True)
    parent = TenantRelatedField(model=Account, required=False, allow_null=True, style={"in_form": False})
    country = CountryField(required=False, allow_blank=True, country_dict=False)
    tier = TenantRelatedField(
        model=Tier,
        required=False,
        allow_null=True,
        style={"in_form": False},
        help_text="Settable on create only, by admins (recorded as set by hand when created); later changes go "
        "through /api/v1/tier-overrides/ with a reason.",
    )
    tier_name = serializers.CharField(read_only=True)
    coverage_percent = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Share of the tier's required personas covered by current contacts; null: nothing required.",
    )
    coverage_gaps = serializers.IntegerField(read_only=True, help_text="Required personas not yet covered.")
    team_names = serializers.CharField(read_only=True, help_text="The teams covering the account, comma-separated.")

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
            "customer_since",
            "churned_on",
            "owner",
            "owner_name",
            "is_target",
            "parent",
            "fit_score",
            "tier",
            "tier_name",
            "coverage_percent",
            "coverage_gaps",
            "team_names",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "fit_score", "customer_since", "churned_on", "created_at", "updated_at"]
        list_serializer_class = AccountListSerializer
        extra_kwargs = {
            "domain": {"style": {"placeholder": "acme.com"}},
            "website": {"style": {"placeholder": "https://www.acme.com"}},
            "industry": {"style": {"datalist": "industry-options"}},
            "annual_revenue": {"min_value": 0},
            # The dashboard's empty form starts from the model defaults (DRF's BooleanField starts unchecked,
            # and an unchecked box posts False: new accounts would silently leave the target list).
            "is_target": {"initial": True, "label": "Target account"},
            "status": {"initial": AccountStatus.PROSPECT},
        }

    def get_fields(self):
        return super().get_fields() | {page_field.name: page_field.field() for page_field in account_page_fields()}

    def to_representation(self, instance):
        if not isinstance(self.parent, serializers.ListSerializer):
            add_page_values([instance])
        return super().to_representation(instance)

    def validate_domain(self, value: str) -> str:
        try:
            domain = normalize_domain(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return domain

    def create(self, validated_data):
        tier = validated_data.pop("tier", None)
        account = services.account_create(**validated_data)
        if tier is not None:
            account = services.account_override_tier(account=account, tier=tier, reason=TIER_SET_ON_CREATE)
        return account

    def update(self, instance, validated_data):
        if "tier" in validated_data and validated_data.pop("tier") != instance.tier:
            raise serializers.ValidationError({"tier": [TIER_CHANGE_ELSEWHERE]})
        return services.account_update(account=instance, **validated_data)


class BulkAction(TextChoices):
    MARK_TARGET = "mark_target", "Mark as target"
    UNMARK_TARGET = "unmark_target", "Remove from targets"
    ASSIGN_OWNER = "assign_owner", "Assign owner"
    SET_TIER = "set_tier", "Set tier"


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


class IndustrySerializer(serializers.Serializer):
    industry = serializers.CharField()
    accounts = serializers.IntegerField(help_text="Accounts with this industry.")


class IndustryPagination(TenantCursorPagination):
    """Industry values by name, 25 a page: a value is one row (no id of its own), so its name alone orders the
    pages, and the grouped rows themselves are counted."""

    ordering = ("industry",)

    def get_ordering(self, request, queryset, view):
        return self.ordering

    def countable(self, queryset):
        return queryset.order_by()


class IndustryRenameSerializer(serializers.Serializer):
    industries = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        max_length=100,
        help_text="The industry values to rename, exactly as stored (several: merge them).",
    )
    to = serializers.CharField(max_length=100, help_text="The value those accounts get.")


class IndustryRenameResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="Accounts whose industry changed.")
    to = serializers.CharField()


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
    missing_persona = filters.NumberFilter(method="filter_missing_persona", min_value=1)
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
        """``true``: a required persona is missing; ``false``: every required persona is covered (accounts with
        nothing required are neither)."""
        if value:
            return queryset.filter(coverage_gaps__gt=0)
        return queryset.filter(coverage_gaps=0, coverage_percent__isnull=False)

    def filter_missing_persona(self, queryset, name, value):
        """Accounts whose committee requires this persona and lack enough current contacts of it (personas)."""
        return filter_accounts(name, queryset, int(value))

    def filter_coverage(self, queryset, name, value):
        lookup = "gte" if name == "coverage_min" else "lte"
        return queryset.filter(**{f"coverage_percent__{lookup}": value})


# The account page asks for its own fragments with this header: the firmographics card and its edit form.
ACCOUNT_LAYOUT_HEADER = "X-Account-Layout"
ACCOUNT_PAGE_PARTIALS = {"row": "facts", "detail": "facts", "form": "facts-form"}


class AccountViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """Target accounts. List, filter (`status`, `industry`, `country`, `owner`, `is_target`,
    `employees_min`, `employees_max`, `tier`, `no_tier`, `fit_min`, `fit_max`, `coverage_min`,
    `coverage_max`, `has_gaps`, `missing_persona`: a required persona without enough current contacts), search
    (`search` over name and domain), sort (`ordering`: `name`, `created_at`, `updated_at`, `fit_sort` (fit score,
    unscored last), prefix `-` for descending), keyset-paginated with `cursor` links. `POST bulk/` applies one
    change to many accounts."""

    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "created_at", "updated_at", "fit_sort"]
    ordering = ["-created_at"]
    fragment_template = "accounts/accounts.html"

    def scoped_queryset(self):
        return selectors.account_list()

    def list(self, request, *args, **kwargs):
        """DRF's list, with the page read as ``.values()`` of the serializer's own readable fields (and the
        ordering's keys, for the cursor): DRF's fields read dicts as they read objects, so the page builds no
        model instances; the registered page fields are added to those rows (``AccountListSerializer``)."""
        serializer = self.get_serializer(many=True)
        queryset = self.filter_queryset(self.get_queryset())
        page_fields = {page_field.name for page_field in account_page_fields()}
        names = [
            field.source
            for field in serializer.child.fields.values()
            if not field.write_only and field.source not in page_fields
        ]
        names += [key.lstrip("-") for key in self.paginator.get_ordering(request, queryset, self)]
        serializer.instance = self.paginate_queryset(queryset.values(*dict.fromkeys(names)))
        return self.get_paginated_response(serializer.data)

    def perform_destroy(self, instance):
        services.account_delete(account=instance)

    def _body_field(self, name):
        """A field of the request's body, None when the body is no object (the serializer then refuses it)."""
        return self.request.data.get(name) if isinstance(self.request.data, Mapping) else None

    def get_write_role(self):
        if self.action == "bulk" and self._body_field("action") == BulkAction.SET_TIER:
            return Role.ADMIN  # tier overrides are an admin decision, as on the tier-overrides endpoint
        if self.action == "create" and self._body_field("tier") not in (None, ""):
            return Role.ADMIN  # the same decision when the account is created
        if self.action == "industries":
            return Role.ADMIN  # renaming a workspace's industry changes every account with it
        return super().get_write_role()

    @extend_schema(request=AccountBulkSerializer, responses={200: AccountBulkResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Apply one change to up to 500 accounts: all of them or none."""
        serializer = self.get_serializer(data=request.data, serializer_class=AccountBulkSerializer)
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

    def is_page_layout(self) -> bool:
        return self.request.headers.get(ACCOUNT_LAYOUT_HEADER) == "page"

    @extend_schema(methods=["get"], responses={200: IndustrySerializer(many=True)})
    @extend_schema(methods=["post"], request=IndustryRenameSerializer, responses={200: IndustryRenameResultSerializer})
    @action(detail=False, methods=["get", "post"], filter_backends=[], pagination_class=IndustryPagination)
    def industries(self, request, *args, **kwargs):
        """GET: the workspace's industry values with their numbers of accounts, by name, paginated. POST (admins):
        rename one value, or merge several into one, on every account that has it; audited, and fit scores are
        recomputed."""
        if request.method == "GET":
            page = self.paginate_queryset(selectors.industry_counts())
            return self.get_paginated_response(IndustrySerializer(page, many=True).data)
        serializer = self.get_serializer(data=request.data, serializer_class=IndustryRenameSerializer)
        serializer.is_valid(raise_exception=True)
        try:
            updated = services.accounts_rename_industry(**serializer.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response({"updated": updated, "to": serializer.validated_data["to"].strip()})
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    def get_fragment_template(self, response):
        if self.action == "bulk":
            return "accounts/accounts.html#bulk-result"
        if self.action == "industries":
            return f"accounts/industries.html#{'list' if self.request.method == 'GET' else 'renamed'}"
        template = super().get_fragment_template(response)
        partial = ACCOUNT_PAGE_PARTIALS.get(template.removeprefix(f"{self.fragment_template}#"))
        if self.is_page_layout() and partial:
            return f"accounts/account_page.html#{partial}"
        return template

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        if self.get_fragment_template(response).endswith("#form"):
            context["industries"] = selectors.account_industries()  # the industry field's suggestions
        # Rows link to ``<account_pages_url><id>/``.
        context["account_pages_url"] = reverse("accounts:page", args=[self.tenant.slug])
        # An empty list says "no match" under a search or filter, and what to do first without one.
        context["filtered"] = any(
            self.request.query_params.get(name) for name in [*self.filterset_class.base_filters, "search"]
        )
        if self.is_page_layout() and context["object_id"] and response.status_code < 400:
            # The card shows more of the account than the serializer: read it as the page does.
            context["account"] = selectors.accounts_for_page().get(pk=context["object_id"])
            context["account_api_url"] = context["api_url"]
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, [ACCOUNT_LAYOUT_HEADER])
        return response

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from django_filters import rest_framework as filters
from rest_framework import serializers

from abs_platform.tenancy.fields import TenantMemberField, TenantRelatedField
from abs_platform.tenancy.viewsets import TenantModelViewSet

from . import selectors, services
from .domains import normalize_domain
from .models import Account, AccountStatus

FORM_STYLE = {"template_pack": "forms/pack"}


class AccountSerializer(serializers.ModelSerializer):
    owner = TenantMemberField(required=False, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    parent = TenantRelatedField(model=Account, required=False, allow_null=True, style={"in_form": False})
    country = CountryField(required=False, allow_blank=True, country_dict=False)

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner_name", "created_at", "updated_at"]
        extra_kwargs = {
            "domain": {"style": {"placeholder": "acme.com"}},
            "website": {"style": {"placeholder": "https://www.acme.com"}},
            "annual_revenue": {"min_value": 0},
            # The dashboard's empty form starts from the model defaults (DRF's BooleanField starts unchecked,
            # and an unchecked box posts False: new accounts would silently leave the target list).
            "is_target": {"initial": True},
            "status": {"initial": AccountStatus.PROSPECT},
        }

    def get_owner_name(self, account) -> str:
        owner = account.owner
        return (owner.get_full_name() or owner.username) if owner else ""

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


class AccountFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AccountStatus.choices)
    industry = filters.CharFilter()
    country = filters.CharFilter()
    owner = filters.NumberFilter(field_name="owner_id")
    is_target = filters.BooleanFilter()
    employees_min = filters.NumberFilter(field_name="employee_count", lookup_expr="gte")
    employees_max = filters.NumberFilter(field_name="employee_count", lookup_expr="lte")

    class Meta:
        model = Account
        fields = ["status", "industry", "country", "owner", "is_target"]


class AccountViewSet(TenantModelViewSet):
    """Target accounts. List, filter (`status`, `industry`, `country`, `owner`, `is_target`,
    `employees_min`, `employees_max`), search (`search` over name and domain), sort
    (`ordering`: `name`, `created_at`, `updated_at`, prefix `-` for descending), and
    keyset-paginated with `cursor` links."""

    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]
    fragment_template = "accounts/accounts.html"

    def scoped_queryset(self):
        return selectors.account_list()

    def perform_destroy(self, instance):
        services.account_delete(account=instance)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["form_style"] = FORM_STYLE
        return context

"""Technologies and the accounts that use them."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from abs_platform.tenancy.models import Role
from abs_platform.web.fields import TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet

from .. import selectors, services
from ..models import (
    Account,
    AccountTechnology,
    Technology,
    TechnologyRelation,
)


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
        serializer = self.get_serializer(data=request.data, serializer_class=AccountTechnologySetSerializer)
        serializer.is_valid(raise_exception=True)
        account = serializer.validated_data["account"]
        services.account_set_technologies(account=account, technologies=serializer.validated_data["technologies"])
        links = selectors.account_technology_list().filter(account=account).order_by("technology__name", "id")
        return Response(AccountTechnologySerializer(links, many=True).data, status=status.HTTP_200_OK)

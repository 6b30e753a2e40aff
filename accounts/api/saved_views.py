"""Saved views of the account and contact lists."""

from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from django_filters import rest_framework as filters
from rest_framework import serializers

from abs_platform.tenancy.context import get_current_tenant
from abs_platform.tenancy.models import Role
from abs_platform.web.filters import QueryParamFilterBackend, RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet

from .. import selectors, services
from ..models import (
    SavedView,
    SavedViewList,
)
from .accounts import AccountFilter
from .contacts import ContactFilter

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

    def scoped_queryset(self):
        queryset = selectors.saved_views_for(self.request.user)
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = queryset.filter(user_id=getattr(self.request.user, "pk", None))
        return queryset

    def perform_destroy(self, instance):
        services.saved_view_delete(view=instance)

"""What several of accounts' resources share."""

from collections.abc import Callable, Mapping

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from abs_platform.web.fields import TenantPrimaryKeyField
from abs_platform.web.viewsets import unknown_field_errors

from ..models import (
    Account,
    Contact,
)
from ..services import ItemErrors

Tier = Account._meta.get_field("tier").related_model
Persona = Contact._meta.get_field("persona").related_model


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


def account_id_for_form(view, context):
    instance = context["serializer"].instance if context.get("serializer") is not None else None
    if instance is not None and hasattr(instance, "account_id"):
        return instance.account_id
    return requested_account(view.request)


def requested_account(request):
    """The account id a new form is for: from the submitted form, else from ``?account=``."""
    data = request.data if hasattr(request.data, "get") else {}
    return data.get("account") or request.GET.get("account")


class BulkListSerializer(serializers.ListSerializer):
    """A list of items, each validated by the single create's serializer (its fields, rules and refusal of unknown
    fields), with the ids of each reference field looked up in one query for the whole list. Errors: the item's
    index → its field errors."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            for field in self.child.fields.values():
                if isinstance(field, TenantPrimaryKeyField) and not field.read_only:
                    field.preload(item.get(field.field_name) for item in data if isinstance(item, Mapping))
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, list):  # DRF's list form: one entry per item, {} for valid ones
                raise serializers.ValidationError(
                    {str(index): errors for index, errors in enumerate(error.detail) if errors}
                ) from None
            raise

    def run_child_validation(self, data):
        errors = unknown_field_errors(self.child, data)
        if errors:
            raise serializers.ValidationError(errors)
        return super().run_child_validation(data)


class BulkCreateMixin:
    """``POST bulk/`` of a viewset: a JSON list of up to ``API_BULK_MAX_ITEMS`` objects, validated with the
    viewset's serializer and created all or nothing by ``create_many(items=validated items)`` (a service that
    validates each model and raises ``ItemErrors``); 201 with the created objects in the list's order."""

    def bulk_create(self, request, create_many: Callable) -> Response:
        items, limit = request.data, settings.API_BULK_MAX_ITEMS
        non_field = api_settings.NON_FIELD_ERRORS_KEY
        if not isinstance(items, list) or not items:
            return Response({non_field: ["Send a JSON list of at least one object."]}, status=400)
        if len(items) > limit:
            return Response(
                {non_field: [f"Send at most {limit} objects at once; this list has {len(items)}."]}, status=400
            )
        serializer = BulkListSerializer(
            child=self.get_serializer_class()(), data=items, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        try:
            created = create_many(items=serializer.validated_data)
        except ItemErrors as error:
            return Response(
                {str(index): serializers.as_serializer_error(item) for index, item in error.errors.items()},
                status=400,
            )
        by_id = self.get_queryset().in_bulk([obj.pk for obj in created])
        data = self.get_serializer([by_id[obj.pk] for obj in created], many=True).data
        return Response(data, status=status.HTTP_201_CREATED)

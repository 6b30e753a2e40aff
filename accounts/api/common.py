"""What several of accounts' resources share."""

from rest_framework import serializers

from ..models import (
    Account,
    Contact,
)

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

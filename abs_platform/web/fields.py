from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from abs_platform.tenancy import selectors


class TenantPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """DRF's primary-key field, which also reads a ``.values()`` row: there the id is the value itself.

    ``preload(values)`` fetches the objects of many input values in one query (a bulk write validates a list
    of items with one serializer); ids not found fall through to DRF's lookup and its error.
    """

    preloaded: dict | None = None

    def to_representation(self, value):
        return getattr(value, "pk", value)

    def preload(self, values) -> None:
        ids = {value for value in values if isinstance(value, int) and not isinstance(value, bool) and value > 0}
        self.preloaded = self.get_queryset().in_bulk(ids) if ids else {}

    def to_internal_value(self, data):
        if self.preloaded and isinstance(data, int) and data in self.preloaded:
            return self.preloaded[data]
        return super().to_internal_value(data)


# Their querysets need a tenant, which schema generation has not: say "an integer id" outright (without it,
# a field on a plain Serializer makes /api/schema/ fail: "… object has no attribute 'Meta'").
@extend_schema_field(OpenApiTypes.INT)
class TenantMemberField(TenantPrimaryKeyField):
    """A user id that must belong to a member of the current workspace who can own records (not a viewer)."""

    default_error_messages = {
        "does_not_exist": "No member of this workspace who can own records has id {pk_value} (viewers cannot).",
        "incorrect_type": "Expected a user id (number), got {data_type}.",
    }

    def get_queryset(self):
        return selectors.assignable_members()

    def display_value(self, instance):
        return instance.get_full_name() or instance.username


@extend_schema_field(OpenApiTypes.INT)
class TenantRelatedField(TenantPrimaryKeyField):
    """An id of a tenant-owned object; only the current workspace's objects can be named."""

    default_error_messages = {
        "does_not_exist": "No {model_name} with id {pk_value} in this workspace.",
        "incorrect_type": "Expected an id (number), got {data_type}.",
    }

    def __init__(self, *, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            kwargs["model_name"] = self.model._meta.verbose_name
        super().fail(key, **kwargs)

"""Activities: the engagement log."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from abs_platform.tenancy.context import acting_user_id, workspace_zone
from abs_platform.web.fields import TenantMemberField, TenantRelatedField
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import TenantModelViewSet

from .. import selectors, services
from ..engagement import day_start
from ..models import (
    CAMPAIGN_FIELDS,
    Account,
    Activity,
    ActivityChannel,
    ActivityDirection,
    ActivityOutcome,
    Contact,
    check_activity_time,
)
from .common import BulkCreateMixin, account_id_for_form


def _local_now_for_form() -> str:
    """Now, as a datetime-local input shows it (the workspace's wall clock, to the minute)."""
    return timezone.localtime(timezone.now(), workspace_zone()).strftime("%Y-%m-%dT%H:%M")


SENT = "_sent_fields"


class IdempotencyKeyConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_reused"


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
        style={"form_help": "When it happened: now unless you change it, and not in the future."},
    )
    owner = TenantMemberField(
        required=False, allow_null=True, initial=acting_user_id, help_text="The team member who made or received it."
    )
    owner_name = serializers.SerializerMethodField()
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        style={"in_form": False},
        help_text="An integration's key for this post (e.g. its own event id): a retry with the same key and "
        "values answers the activity logged the first time (200) instead of logging it twice; the same key with "
        "other values is a 409. Set on create only.",
    )
    task = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The task whose completion logged this activity (null when none)."
    )

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
            "outcome",
            "impressions",
            "clicks",
            "conversions",
            "idempotency_key",
            "task",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "outcome": {"help_text": "What came of it (a call connected, an e-mail replied…); blank when unknown."},
            "direction": {"initial": ActivityDirection.OUTBOUND},
            "channel": {"initial": ActivityChannel.EMAIL},
            "subject": {"style": {"placeholder": "e.g. Intro e-mail to the CFO"}},
            # Campaign figures come from integrations and imports; the dashboard's log form stays short.
            **{name: {"style": {"in_form": False}} for name in CAMPAIGN_FIELDS},
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
            values = super().to_internal_value(data)
        # The fields this item sent (an idempotent retry is compared on these only), also per item of a list.
        values[SENT] = frozenset(data) if isinstance(data, Mapping) else frozenset()
        return values

    def validate_occurred_at(self, value):
        try:
            check_activity_time(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def validate_idempotency_key(self, value):
        if self.instance is not None and value != self.instance.idempotency_key:
            raise serializers.ValidationError("The idempotency key is set when the activity is logged.")
        return value.strip()

    def create(self, validated_data):
        sent = validated_data.pop(SENT)
        key = validated_data.pop("idempotency_key", "")
        if not key:
            return services.activity_create(**validated_data)
        submitted = {name: value for name, value in validated_data.items() if name in sent}
        try:
            activity, created = services.activity_create_once(
                idempotency_key=key, submitted=submitted, **validated_data
            )
        except services.IdempotencyKeyReused as error:
            raise IdempotencyKeyConflict(
                {
                    "idempotency_key": [
                        f"The key “{error.key}” was used for activity {error.activity.pk} with other values; "
                        "send a new key for a new activity."
                    ]
                }
            ) from None
        activity.replayed = not created
        return activity

    def update(self, instance, validated_data):
        validated_data.pop(SENT)
        validated_data.pop("idempotency_key", None)
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
    outcome = filters.ChoiceFilter(choices=ActivityOutcome.choices)
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
        fields = ["account", "contact", "owner", "channel", "direction", "outcome"]

    def filter_occurred_after(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_moment_bound(value, end_of_day=False))

    def filter_occurred_before(self, queryset, name, value):
        if isinstance(value, datetime):
            return queryset.filter(occurred_at__lte=_moment_bound(value, end_of_day=False))
        return queryset.filter(occurred_at__lt=_moment_bound(value, end_of_day=True))


class ActivityViewSet(BulkCreateMixin, TenantModelViewSet):
    """The engagement log: touches by the team (`direction` `outbound`) and responses from the account
    (`inbound`) on a `channel`, optionally with one of the account's contacts. Filters: `account`, `contact`,
    `owner`, `channel`, `direction`, `outcome`, `occurred_after`, `occurred_before` (a date — a whole day in the
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

    def create(self, request, *args, **kwargs):
        """A retry with a known idempotency key answers 200 with the activity logged the first time."""
        response = super().create(request, *args, **kwargs)
        if getattr(response.data.serializer.instance, "replayed", False):
            response.status_code = status.HTTP_200_OK
        return response

    @extend_schema(request=ActivitySerializer(many=True), responses={201: ActivitySerializer(many=True)})
    @action(detail=False, methods=["post"], renderer_classes=[JSONRenderer])
    def bulk(self, request, *args, **kwargs):
        """Create up to `API_BULK_MAX_ITEMS` (500) activities from a JSON list, all or none: 201 with them in the list's
        order, or 400 with each refused item's field errors under its index (`{"2": {"stage": [...]}}`)."""
        return self.bulk_create(request, activities_create_keyed)

    def get_fragment_context(self, data, response):
        context = super().get_fragment_context(data, response)
        context["account_id"] = account_id_for_form(self, context)
        if self.action in ("new_form", "edit_form", "create", "update", "partial_update"):
            instance = context["serializer"].instance if context["serializer"] is not None else None
            context["contacts"] = selectors.account_contact_choices(context["account_id"])
            context["chosen_contact"] = _chosen(self.request, "contact", instance.contact_id if instance else None)
        return context


def activities_create_keyed(*, items: list[dict]) -> list:
    """``services.activities_create`` with each item's retry compared on the fields it sent, as single creates do."""
    submitted = []
    for item in items:
        sent = item.pop(SENT)
        submitted.append({name: value for name, value in item.items() if name in sent})
    return services.activities_create(items=items, submitted=submitted)


def _chosen(request, name, fallback):
    """The id a form's select shows: the submitted one (re-rendered with errors), else the saved one."""
    data = request.data if hasattr(request.data, "get") else {}
    value = data.get(name, fallback)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

"""The webhooks API: endpoints (admins and owners), their deliveries and attempts, test and redelivery."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response

from abs_platform.tenancy.models import Role
from abs_platform.web.filters import RequestedFilterSet
from abs_platform.web.viewsets import ReadBackAfterWrite, TenantModelViewSet
from plays.api import CHECKBOXES, ChoiceList

from . import selectors, services
from .models import PING, DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = ChoiceList(choices=WebhookEvent.choices, help_text="Event types to send.", style=CHECKBOXES)
    is_active = serializers.BooleanField(
        required=False, help_text="Off: nothing is sent. Switching it on again clears why it was disabled."
    )
    last_delivery_state = serializers.CharField(read_only=True, allow_null=True, default=None)
    last_delivery_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "last_delivery_state",
            "last_delivery_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["disabled_at", "disabled_reason", "failing_since", "created_at", "updated_at"]

    def create(self, validated_data):
        validated_data.pop("is_active", None)
        return services.endpoint_create(**validated_data)

    def update(self, instance, validated_data):
        return services.endpoint_update(endpoint=instance, **validated_data)


class WebhookSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret: in this response only (create, rotate-secret), never again."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "started_at",
            "finished_at",
            "duration_ms",
            "status_code",
            "error",
            "response_excerpt",
            "succeeded",
        ]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint_url = serializers.CharField(source="endpoint.url", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True, help_text="Every attempt, first first.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "endpoint_url",
            "event",
            "event_id",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "payload",
            "attempt_log",
        ]
        read_only_fields = fields


class WebhookEndpointViewSet(ReadBackAfterWrite, TenantModelViewSet):
    """The workspace's webhook endpoints, newest first (admins and owners). `POST` answers the signing `secret`
    once; `POST /{id}/rotate-secret/` makes a new one (answered once); `POST /{id}/test/` sends a `ping` event.
    A URL must be http(s) and resolve to public addresses only (400 naming `url`). An endpoint failing for 24 h
    is switched off (`is_active` false, `disabled_at`, `disabled_reason`); `PATCH {"is_active": true}` switches it
    on again. See docs/api.md "Webhooks"."""

    serializer_class = WebhookEndpointSerializer
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at"]
    fragment_template = "webhooks/endpoints.html"

    def scoped_queryset(self):
        return selectors.endpoint_list()

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance)

    @extend_schema(responses={201: WebhookSecretSerializer})
    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED:
            endpoint = WebhookEndpoint.objects.get(pk=response.data["id"])
            response.data = WebhookSecretSerializer(self.scoped_queryset().get(pk=endpoint.pk)).data | {
                "secret": endpoint.secret
            }
        return response

    @extend_schema(request=None, responses=WebhookSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        """A new signing secret, answered once; deliveries from now on are signed with it."""
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object())
        data = WebhookSecretSerializer(self.scoped_queryset().get(pk=endpoint.pk)).data
        return Response(data | {"secret": endpoint.secret})

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        """Send a `ping` event to the endpoint now: 202 with the delivery (its attempts show the answer)."""
        try:
            delivery = services.endpoint_test(endpoint=self.get_object())
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response(
            WebhookDeliverySerializer(selectors.delivery_list().get(pk=delivery.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    def get_fragment_template(self, response) -> str:
        if response.status_code < 300 and self.action in ("rotate_secret", "create"):
            return f"{self.fragment_template}#secret"
        if response.status_code < 300 and self.action == "test":
            return f"{self.fragment_template}#tested"
        return super().get_fragment_template(response)


class WebhookDeliveryFilter(RequestedFilterSet):
    endpoint = filters.NumberFilter(field_name="endpoint_id")
    state = filters.ChoiceFilter(choices=DeliveryState.choices)
    event = filters.ChoiceFilter(choices=[*WebhookEvent.choices, (PING, "Ping")])

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "state", "event"]


class WebhookDeliveryViewSet(TenantModelViewSet):
    """Deliveries of events to the workspace's endpoints, newest first, each with its attempts (admins and
    owners). Filters: `endpoint`, `state` (`pending`, `succeeded`, `failed`: will retry at `next_attempt_at`,
    `given_up`), `event`. `POST /{id}/redeliver/` sends one again now (same event id). Read only otherwise."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    http_method_names = ["get", "post", "head", "options"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at"]
    fragment_template = "webhooks/deliveries.html"
    new_form = edit_form = row = None

    def scoped_queryset(self):
        return selectors.delivery_list()

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        """Deliveries are made by events, not posted (``POST`` serves the ``redeliver`` action only)."""
        raise MethodNotAllowed(request.method)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, *args, **kwargs):
        """Send the delivery again now, whatever its state; its attempts go on counting."""
        try:
            delivery = services.delivery_redeliver(delivery=self.get_object())
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        response = Response(
            self.get_serializer(self.scoped_queryset().get(pk=delivery.pk)).data, status=status.HTTP_202_ACCEPTED
        )
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    def get_fragment_template(self, response) -> str:
        if response.status_code < 300 and self.action == "redeliver":
            return f"{self.fragment_template}#redelivered"
        return super().get_fragment_template(response)

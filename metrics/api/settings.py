from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.tenancy.models import Role, role_at_least
from abs_platform.web.schema import AutoSchema
from abs_platform.web.viewsets import FORM_STYLE, refuse_unknown_fields

from .. import services
from ..models import started_by_today


class MetricsSettingsSerializer(serializers.Serializer):
    programme_start_on = serializers.DateField(
        allow_null=True,
        validators=[started_by_today],
        label="Programme start",
        style={"form_help": "Engagement is compared with the 90 days before it."},
        help_text="When the account-based programme started (not in the future; null: not set). Engagement is "
        "compared with the 90 days before it.",
    )


class _OneObjectSchema(AutoSchema):
    """The settings are one object, not a list, although the router's list route serves them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class MetricsSettingsViewSet(ViewSet):
    """The workspace's programme settings: `GET` for everyone, `PUT` (admins) with `programme_start_on`. With
    htmx both answer the settings form (`metrics/partials/settings_form.html`)."""

    read_role = Role.VIEWER
    schema = _OneObjectSchema()

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        """One resource without an id: the router's list route answers ``PUT`` too."""
        if actions and actions.get("get") == "list":
            actions = {**actions, "put": "put_settings"}
        return super().as_view(actions, **initkwargs)

    def get_write_role(self):
        return Role.ADMIN

    @extend_schema(responses=MetricsSettingsSerializer)
    def list(self, request, *args, **kwargs):
        return Response(MetricsSettingsSerializer(services.metrics_settings()).data)

    @extend_schema(request=MetricsSettingsSerializer, responses=MetricsSettingsSerializer)
    def put_settings(self, request, *args, **kwargs):
        body = MetricsSettingsSerializer(data=request.data)
        refuse_unknown_fields(body)
        body.is_valid(raise_exception=True)
        try:
            settings = services.metrics_settings_update(**body.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        return Response(MetricsSettingsSerializer(settings).data)

    def get_fragment_template(self, response) -> str:
        return "metrics/partials/settings_form.html" if response.status_code in (200, 400) else "partials/error.html"

    def get_fragment_context(self, data, response) -> dict:
        """The form, bound to what was put (with its errors) or showing the saved settings."""
        role = getattr(self.request._request, "tenant_role", None)
        posted = self.request.method == "PUT"
        form = MetricsSettingsSerializer(services.metrics_settings())
        if posted and response.status_code == 400:
            form = MetricsSettingsSerializer(data=self.request.data)
            form.is_valid()
        return {
            "data": data,
            "saved": posted and response.status_code == 200,
            "can_admin": role is not None and role_at_least(role, Role.ADMIN),
            "serializer": form,
            "form_style": FORM_STYLE,
        }

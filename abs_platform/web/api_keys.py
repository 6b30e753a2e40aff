"""API keys through the API: workspace admins and owners list, create and revoke them (the secret is in the
create response only); keys themselves may list but never create or revoke (``ManagesApiKeys``)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from abs_platform.tenancy import selectors, services
from abs_platform.tenancy.models import ApiKey
from abs_platform.tenancy.permissions import ManagesApiKeys

from .filters import QueryParamFilterBackend
from .viewsets import refuse_unknown_fields


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="User name; null once deleted.",
    )
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, allow_null=True, default=None)
    is_active = serializers.BooleanField(read_only=True, help_text="Neither revoked nor expired.")

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "expires_at",
            "is_active",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
            "revoked_by",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The full key: in this response only, never again.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


@extend_schema_view(list=extend_schema(filters=False))  # no filters; the backend only refuses unknown parameters
class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The workspace's API keys, newest first, revoked ones included (never their secret). Workspace admins and
    owners only; an API key may list them but not create or revoke one. `DELETE` revokes: calls with the key
    fail from then on."""

    serializer_class = ApiKeySerializer
    permission_classes = [ManagesApiKeys]
    filter_backends = [QueryParamFilterBackend]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return ApiKey.objects.none()
        return selectors.tenant_api_keys()

    @extend_schema(responses={201: ApiKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        refuse_unknown_fields(serializer)
        serializer.is_valid(raise_exception=True)
        try:
            api_key, raw_key = services.api_key_create(created_by=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        api_key.key = raw_key
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.api_key_revoke(api_key=instance, by=self.request.user)

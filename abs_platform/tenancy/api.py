from rest_framework import serializers, viewsets

from . import selectors
from .models import Membership


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user.id", read_only=True, help_text="The user id, e.g. for `owner`.")
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "name", "email", "role"]
        read_only_fields = fields


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    """Members of the workspace and their roles (read-only; people are managed in the workspace settings)."""

    serializer_class = MemberSerializer
    ordering = ["user__username"]
    ordering_fields = ["user__username"]
    filter_backends = []
    pagination_class = None
    lookup_field = "user_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.tenant_memberships()

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiKey, Role, role_at_least


class TenantRolePermission(BasePermission):
    """Reads need ``view.read_role``, writes ``view.write_role`` (defaults: viewer, member).

    A session user is judged by their role in the workspace of the URL; an API
    key by its scope: read keys only read, read-write keys may write what an
    admin may, and no more than the member who created the key may now (a key
    made by an admin later made a member writes as a member).
    """

    message = "Your role in this workspace does not allow this."

    def has_permission(self, request, view):
        if getattr(request._request, "tenant", None) is None:
            raise NotAuthenticated()
        required = getattr(view, "read_role", Role.VIEWER)
        if request.method not in SAFE_METHODS:
            required = view.get_write_role() if hasattr(view, "get_write_role") else Role.MEMBER
        if isinstance(request.auth, ApiKey):
            if request.method in SAFE_METHODS:
                return True
            if not request.auth.can_write:
                self.message = "This API key is read-only."
                return False
            if role_at_least(Role.ADMIN, required) and not role_at_least(request.auth.creator_role, required):
                self.message = "The member who created this API key may no longer do this."
                return False
            return role_at_least(Role.ADMIN, required)
        return role_at_least(request._request.tenant_role, required)

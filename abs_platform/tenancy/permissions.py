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


class ManagesApiKeys(BasePermission):
    """Workspace admins and owners, logged in, list, create and revoke keys. An API key may list them while the
    member who created it is an admin or owner, but never create or revoke one: a leaked key must not mint keys
    that outlive its own revocation (docs/decisions/0021)."""

    def has_permission(self, request, view):
        if getattr(request._request, "tenant", None) is None:
            raise NotAuthenticated()
        if isinstance(request.auth, ApiKey):
            if request.method not in SAFE_METHODS:
                self.message = (
                    "An API key cannot create or revoke API keys. A workspace admin or owner does so, logged in: "
                    "workspace menu → API keys."
                )
                return False
            if not role_at_least(request.auth.creator_role, Role.ADMIN):
                self.message = "Listing API keys needs a key created by a workspace admin or owner."
                return False
            return True
        role = request._request.tenant_role
        if not role_at_least(role, Role.ADMIN):
            self.message = (
                f"Managing API keys needs the admin or owner role; your role in this workspace is "
                f"{Role(role).label.lower()}."
            )
            return False
        return True

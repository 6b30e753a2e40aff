from abs_platform.tenancy.models import Role, role_at_least
from abs_platform.tenancy.selectors import memberships_of

from .navigation import nav_links, settings_links


def workspace(request):
    """The current workspace, the member's role, the main navigation and the workspaces to switch to, for the
    page header."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(request, "api_key", None) is not None:
        return {}
    role = request.tenant_role
    return {
        "tenant": tenant,
        "tenant_role": role,
        "can_edit": role_at_least(role, Role.MEMBER),
        "can_admin": role_at_least(role, Role.ADMIN),
        # Callables: fragments, which draw no header, never read them.
        "nav_links": lambda: nav_links(tenant.slug),
        "settings_links": lambda: settings_links(tenant.slug),
        # The memberships the middleware read for this request, else read where the switcher is drawn.
        "switchable_memberships": lambda: getattr(request, "memberships", None) or memberships_of(request.user),
    }

from .models import Role, role_at_least


def tenancy(request):
    """The current workspace, the member's role and the workspaces to switch to, for the page header."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(request, "api_key", None) is not None:
        return {}
    from .selectors import memberships_of

    role = request.tenant_role
    return {
        "tenant": tenant,
        "tenant_role": role,
        "can_edit": role_at_least(role, Role.MEMBER),
        "can_admin": role_at_least(role, Role.ADMIN),
        # The memberships the middleware read for this request; a callable, as a request without them (a test
        # rendering a template by hand) reads them only where the switcher is drawn (not in fragments).
        "switchable_memberships": lambda: getattr(request, "memberships", None) or memberships_of(request.user),
    }

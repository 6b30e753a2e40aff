import re

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from . import selectors, services
from .context import tenant_context
from .db import ops_transaction, tenant_transaction

TENANT_PATH = re.compile(r"^/t/(?P<slug>[-\w]+)/")
API_PREFIX = "/api/v1/"
ADMIN_PREFIX = "/admin/"
ADMIN_WORKSPACE_SESSION_KEY = "admin_workspace"


def _private(response):
    """Workspace pages and API answers carry workspace data: no shared cache or browser history keeps a copy."""
    patch_cache_control(response, private=True, no_store=True)
    return response


class TenantMiddleware:
    """Sets the current tenant for browser routes (from the URL) and API calls (from the key).

    Each tenant request runs in one transaction that carries the PostgreSQL
    row-level-security setting; the context is reset when the request ends.
    Anything else (log-in, the workspace picker) has no tenant at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if match := TENANT_PATH.match(path):
            return _private(self._browser_request(request, match["slug"]))
        if path.startswith(API_PREFIX):
            return _private(self._api_request(request))
        if path.startswith(ADMIN_PREFIX) and request.user.is_authenticated and request.user.is_staff:
            return self._admin_request(request)
        return self.get_response(request)

    def _admin_request(self, request):
        """Platform operators read every workspace (the bypass role). A workspace's ops admins work in one
        workspace at a time, the one they chose (else their first), under row-level security like its members."""
        if request.user.is_superuser:
            with ops_transaction():
                return self._respond(request)
        request.admin_memberships = selectors.administered_memberships(request.user)
        chosen = request.session.get(ADMIN_WORKSPACE_SESSION_KEY)
        membership = next((m for m in request.admin_memberships if m.tenant_id == chosen), None)
        membership = membership or next(iter(request.admin_memberships), None)
        if membership is None:
            return self.get_response(request)  # staff without an admin role: the admin refuses them
        request.tenant = membership.tenant
        request.membership = membership
        request.tenant_role = membership.role
        with tenant_context(membership.tenant, request.user), tenant_transaction(membership.tenant):
            return self._respond(request)

    def _respond(self, request):
        """Inside the request's transaction: a failed request (4xx/5xx) writes nothing."""
        response = self.get_response(request)
        if response.status_code >= 400:
            transaction.set_rollback(True)
        return response

    def _browser_request(self, request, slug):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # Read once per request: the page header's workspace switcher lists them too (context_processors).
        request.memberships = selectors.memberships_of(request.user)
        membership = selectors.membership_in(request.memberships, tenant_slug=slug)
        if membership is None:
            raise Http404("No such workspace.")
        request.tenant = membership.tenant
        request.membership = membership
        request.tenant_role = membership.role
        services.workspace_opened(request, membership)
        with (
            tenant_context(membership.tenant, request.user),
            tenant_transaction(membership.tenant),
            timezone.override(membership.tenant.time_zone),
        ):
            return self._respond(request)

    def _api_request(self, request):
        raw_key = selectors.api_key_from_header(request.headers.get("Authorization", ""))
        if raw_key is None:
            return self.get_response(request)
        api_key = selectors.api_key_authenticate(raw_key)
        if api_key is None:
            return JsonResponse(
                {"detail": "Invalid, expired or revoked API key."}, status=401, headers={"WWW-Authenticate": "Api-Key"}
            )
        request.tenant = api_key.tenant
        request.api_key = api_key
        request.tenant_role = None
        with tenant_context(api_key.tenant, api_key.created_by), tenant_transaction(api_key.tenant):
            return self._respond(request)

from functools import lru_cache

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

from .models import Role, role_at_least

SITE_LINKS = {
    "home": "home",
    "password_change": "password_change",
    "admin": "admin:index",
    "api_docs": "api-docs",
    "logout": "logout",
}
# The static files every page loads (base.html).
ASSETS = {"app_css": "css/app.css", "htmx_js": "vendor/htmx-2.0.11.min.js", "app_js": "js/app.js"}
WORKSPACE_LINKS = {
    "accounts": "accounts:page",
    "contacts": "contacts:page",
    "icp": "icp:page",
    "personas": "personas:page",
    "metrics": "metrics:page",
    "members": "tenancy:members",
    "api_keys": "tenancy:api-keys",
    # The browser API's lists that pages load as htmx fragments.
    "contact_api": "browser-api:contact-list",
    "activity_api": "browser-api:activity-list",
    "signal_api": "browser-api:signal-list",
    "opportunity_api": "browser-api:opportunity-list",
}


# The page header's links never change for a given workspace slug (and script prefix), so each
# process reverses them once instead of on every page (reverse() is a measurable part of a page).
@lru_cache(maxsize=1)
def _site_links(script_prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in SITE_LINKS.items()}


@lru_cache(maxsize=1)
def _asset_links(script_prefix: str) -> dict[str, str]:
    """``{% static %}`` of each asset: the storage's URL (the hashed name, in production) once per process."""
    return {key: static(path) for key, path in ASSETS.items()}


@lru_cache(maxsize=1024)
def _workspace_links(slug: str, script_prefix: str) -> dict[str, str]:
    return {key: reverse(name, args=[slug]) for key, name in WORKSPACE_LINKS.items()}


@lru_cache(maxsize=4096)
def _reverse_once(name: str, kwargs: tuple, script_prefix: str) -> str:
    return reverse(name, kwargs=dict(kwargs))


def reverse_once(name: str, **kwargs) -> str:
    """``reverse(name, kwargs=kwargs)``, once per process (and script prefix), like the header's links: for
    the links every request of a page or fragment draws (the API's URL, say)."""
    return _reverse_once(name, tuple(sorted(kwargs.items())), get_script_prefix())


def workspace_url(name: str, slug: str) -> str:
    """``reverse_once`` of a workspace route (``/t/<slug>/…``)."""
    return reverse_once(name, tenant_slug=slug)


def site_links(request):
    """``site_links.<key>``: the header's links that do not depend on a workspace; ``assets.<key>``: the
    URLs of the static files every page loads; whether the browser sent a valid CSRF cookie.

    With the cookie, base.html leaves the CSRF token out and app.js sends the cookie's value instead (the
    way Django documents for scripts): masking a fresh token for every page costs ~60 µs (32 calls to the
    system's random source), a few per cent of a page. Without it, the page carries a masked token, and
    rendering it sets the cookie for the next page.
    """
    script_prefix = get_script_prefix()
    return {
        "site_links": _site_links(script_prefix),
        "assets": _asset_links(script_prefix),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        # CsrfViewMiddleware.process_request puts a valid cookie's secret here.
        "has_csrf_cookie": "CSRF_COOKIE" in request.META,
    }


def tenancy(request):
    """The current workspace, the member's role and the workspaces to switch to, for the page header."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or getattr(request, "api_key", None) is not None:
        return {}
    from .selectors import memberships_of

    role = request.tenant_role
    return {
        "tenant": tenant,
        "workspace_links": _workspace_links(tenant.slug, get_script_prefix()),
        "tenant_role": role,
        "can_edit": role_at_least(role, Role.MEMBER),
        "can_admin": role_at_least(role, Role.ADMIN),
        # The memberships the middleware read for this request; a callable, as a request without them (a test
        # rendering a template by hand) reads them only where the switcher is drawn (not in fragments).
        "switchable_memberships": lambda: getattr(request, "memberships", None) or memberships_of(request.user),
    }

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from abs_platform.tenancy import views as tenancy_views
from abs_platform.web.views import api_fallback

from .api_router import router
from .health import healthz, readyz

# Swagger UI is a third-party bundle that needs inline styles (a <style> element; its script comes from the
# same origin with the split view). It shows the public schema only, no workspace data (docs/operations.md).
SWAGGER_CSP = {"style-src": [UNSAFE_INLINE]}


def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the pages link."""
    return redirect(static("favicon.svg"), permanent=True)


tenant_patterns = [
    path("", include("abs_platform.tenancy.urls")),
    path("accounts/", include("accounts.urls")),
    path("contacts/", include("accounts.contact_urls")),
    path("icp/", include("icp.urls")),
    path("personas/", include("personas.urls")),
    path("plays/", include("plays.urls")),
    path("teams/", include("teams.urls")),
    path("dashboard/", include("metrics.urls")),
    path("my-day/", include("tasks.urls")),
    path("planning/", include("planning.urls")),
    path("data-health/", include("checks.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("api/", include((router.urls, "browser-api"))),
]

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("signup/", tenancy_views.signup, name="signup"),
    path("auth/login/", tenancy_views.SignInView.as_view(), name="login"),
    path("auth/password_reset/", tenancy_views.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("auth/", include("django.contrib.auth.urls")),
    path("invitations/<str:token>/", tenancy_views.invitation_accept, name="invitation-accept"),
    path("admin/workspace/", tenancy_views.admin_workspace, name="admin-workspace"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((router.urls, "api"))),
    re_path(r"^api/v1/(?P<path>.*)$", api_fallback, name="api-fallback"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        csp_update(SWAGGER_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("favicon.ico", favicon, name="favicon"),
]

handler500 = "abs_platform.web.views.server_error"

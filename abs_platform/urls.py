from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from abs_platform.tenancy import views as tenancy_views
from abs_platform.web.views import api_fallback

from .api_router import router


def healthz(request):
    """Liveness and database reachability, for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


tenant_patterns = [
    path("", include("abs_platform.tenancy.urls")),
    path("accounts/", include("accounts.urls")),
    path("contacts/", include("accounts.contact_urls")),
    path("icp/", include("icp.urls")),
    path("personas/", include("personas.urls")),
    path("metrics/", include("metrics.urls")),
    path("api/", include((router.urls, "browser-api"))),
]

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("auth/", include("django.contrib.auth.urls")),
    path("invitations/<str:token>/", tenancy_views.invitation_accept, name="invitation-accept"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((router.urls, "api"))),
    re_path(r"^api/v1/(?P<path>.*)$", api_fallback),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    path("healthz", healthz, name="healthz"),
]

"""The project's URLs plus a probe metric at ``/api/v1/metrics/probe/`` (and under ``/t/<slug>/api/``), for the
tests of what every metric endpoint shares (``metrics.api.base``)."""

from django.urls import path
from rest_framework import serializers

from abs_platform import urls
from accounts.models import Account
from metrics.api.base import MetricViewSet
from metrics.filters import ratio


class DetailParam(serializers.Serializer):
    detail = serializers.CharField(required=False)


class ProbeViewSet(MetricViewSet):
    """The accounts the filters leave, by name, with a negative figure and ratios with and without a
    denominator."""

    metric_name = "probe"
    results_columns = ("name", "change", "share", "none_share")
    params_class = DetailParam

    def compute(self, filters):
        names = list(Account.objects.filter(filters.accounts_q()).order_by("name").values_list("name", flat=True))
        return {
            "accounts": len(names),
            "share": ratio(1, 3),
            "none_share": ratio(1, 0),
            "results": [{"name": name, "change": -3, "share": ratio(2, 3), "none_share": None} for name in names],
        }


class ScalarProbeViewSet(ProbeViewSet):
    metric_name = "scalar-probe"

    def compute(self, filters):
        figures = super().compute(filters)
        del figures["results"]
        return figures


probe = ProbeViewSet.as_view({"get": "list"})
scalar_probe = ScalarProbeViewSet.as_view({"get": "list"})

urlpatterns = [
    path("api/v1/metrics/probe/", probe),
    path("api/v1/metrics/scalar-probe/", scalar_probe),
    path("t/<slug:tenant_slug>/api/metrics/probe/", probe),
    *urls.urlpatterns,
]
handler500 = urls.handler500

"""What every metric endpoint shares: the filters, the roles, JSON or CSV (``?format=csv``)."""

import csv
import io
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from abs_platform.tenancy.models import Role
from accounts.exports import neutralize

from ..filters import metric_filters

FILTER_PARAMETERS = [
    OpenApiParameter("period", str, enum=["30d", "90d", "180d", "365d"], description="A preset ending at `end`."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 90 days before `end`)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included (default: today)."),
    OpenApiParameter("tier", int, description="Only accounts of this tier."),
    OpenApiParameter("team", int, description="Only accounts this team works."),
    OpenApiParameter("owner", int, description="Only accounts this member owns."),
    OpenApiParameter("format", str, enum=["json", "csv"], description="`csv`: the metric's rows as a file."),
]


class MetricCSVRenderer(BaseRenderer):
    """The metric's ``results`` rows (or its top-level figures as one row) as CSV; errors stay JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = renderer_context["response"] if renderer_context else None
        view = renderer_context.get("view") if renderer_context else None
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = JSONRenderer.media_type
            return JSONRenderer().render(data)
        rows = data.get("results")
        if rows is None:
            rows = [{key: value for key, value in data.items() if not isinstance(value, (dict, list))}]
        columns = list(rows[0]) if rows else list(getattr(view, "results_columns", ()))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])
        if response is not None and view is not None:
            response["Content-Disposition"] = f'attachment; filename="{view.metric_name}.csv"'
        return "\ufeff" + out.getvalue()


def _cell(value) -> str:
    """Numbers as they are (a negative change is not a formula); text neutralized against formula injection."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return neutralize(value)


class MetricViewSet(ViewSet):
    """``GET /api/v1/metrics/<name>/``: a subclass names the metric and computes it for the filters.

    The response is ``{"metric", "filters", ...the figures...}``; a list of rows goes under ``results`` (that
    is what the CSV holds). Ratios with nothing to divide by are ``null``. ``results_columns`` names the CSV's
    columns when there is no row. A metric that reads query parameters besides the filters declares them as
    ``params_class`` (a serializer); ``params()`` answers them validated (400 naming the parameter). A subclass
    defines ``compute(filters) -> dict``.
    """

    read_role = Role.VIEWER
    renderer_classes = [JSONRenderer, MetricCSVRenderer]
    metric_name = ""
    results_columns: tuple[str, ...] = ()
    params_class: type[serializers.Serializer] | None = None

    def get_write_role(self):
        return Role.ADMIN

    def params(self) -> dict:
        if self.params_class is None:
            return {}
        serializer = self.params_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def list(self, request, *args, **kwargs):
        extra = tuple(self.params_class().fields) if self.params_class else ()
        filters = metric_filters(request.query_params, extra)
        return Response({"metric": self.metric_name, "filters": filters.as_dict(), **self.compute(filters)})

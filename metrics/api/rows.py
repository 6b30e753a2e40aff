"""Query parameters of the metrics that list rows: a page (``limit``, ``offset``) and an ``ordering``."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1


class RowsQuerySerializer(serializers.Serializer):
    """``limit`` (1–500, default 50) rows from ``offset`` (default 0); a subclass sets the ``ordering`` choices."""

    limit = serializers.IntegerField(required=False, default=50, min_value=1, max_value=MAX_LIMIT)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_OFFSET)


def row_parameters(orderings, default: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "limit", int, description=f"Rows to return, 1–{MAX_LIMIT} (default 50); `count` is the total."
        ),
        OpenApiParameter("offset", int, description="Rows to skip (default 0)."),
        OpenApiParameter("ordering", str, enum=list(orderings), description=f"Row order (default `{default}`)."),
    ]

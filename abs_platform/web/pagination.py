from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class TenantCursorPagination(CursorPagination):
    """Keyset pagination: constant cost per page however deep, plus a ``COUNT(*)`` for the total when the
    list does not fit on its first page (docs/decisions/0019).

    Ordering always ends with ``id`` so pages are stable; indexes lead with
    ``tenant_id`` so the planner never walks another tenant's rows. A ``page_size`` or ``cursor`` that
    cannot be read answers 400 naming it.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    @property
    def query_params(self) -> tuple[str, ...]:
        return (self.cursor_query_param, self.page_size_query_param)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            raise ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {self.max_page_size}."]}
            )
        return min(int(value), self.max_page_size)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the next and previous links as given."]}
            ) from None

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering += ("-id" if ordering and ordering[0].startswith("-") else "id",)
        return ordering

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        # A first page without a next one holds every row: its length is the count, and no COUNT(*) is needed.
        self.count = len(page) if self.cursor is None and not self.has_next else queryset.count()
        return page

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", *response["required"]]
        response["properties"] = {
            "count": {
                "type": "integer",
                "example": 123,
                "description": "How many rows match the filters and search, on every page.",
            },
            **response["properties"],
        }
        return response

import json

from django.core.paginator import Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param


class TenantCursorPagination(CursorPagination):
    """Keyset pagination: constant cost per page however deep, with a total ``count`` of bounded cost
    (docs/decisions/0019): exact up to ``exact_count_limit`` rows, above that PostgreSQL's estimate, flagged
    by ``count_exact``.

    Ordering always ends with ``id`` so pages are stable; indexes lead with
    ``tenant_id`` so the planner never walks another tenant's rows. A ``page_size`` or ``cursor`` that
    cannot be read answers 400 naming it.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
    exact_count_limit = 1000

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
        if self.cursor is None and not self.has_next:  # the first page holds every row
            self.count, self.count_exact = len(page), True
        else:
            self.count, self.count_exact = self.count_rows(queryset)
        return page

    def count_rows(self, queryset) -> tuple[int, bool]:
        """(count, exact): counting stops after ``exact_count_limit`` rows, so its cost does not grow with the
        list; a longer list gets the planner's estimate of its rows (at least one more than the limit)."""
        ids = self.countable(queryset)
        count = ids[: self.exact_count_limit + 1].count()
        if count <= self.exact_count_limit:
            return count, True
        plan = json.loads(ids.explain(format="json"))[0]["Plan"]
        return max(round(plan["Plan Rows"]), count), False

    def countable(self, queryset):
        """What ``count_rows`` counts: the ids alone (no sort, no computed columns: only what the filters need)."""
        return queryset.order_by().values("pk")

    def page_navigation(self) -> dict:
        """What a dashboard list shows under its rows (docs/decisions/0024): ``first``–``last`` of ``count``
        (``exact`` false: "about"), ``previous``/``next`` links and, when the count is exact, numbered
        ``pages`` (``{"number", "url", "current"}``, ``url`` None for a gap).

        With an exact count (at most ``exact_count_limit`` rows) pages are cursors holding only an offset, so
        the rows shown and every page are known and an offset costs at most that many rows; DRF's own
        ``offset_cutoff`` is the same 1,000. A longer list keeps the keyset links, with the rows shown on its
        first page.
        """
        offset = 0 if self.cursor is None else self.cursor.offset
        at_start = self.cursor is None or (self.cursor.position is None and not self.cursor.reverse)
        navigation = {
            "count": self.count,
            "exact": self.count_exact,
            "first": offset + 1 if at_start and self.page else None,
            "last": offset + len(self.page) if at_start and self.page else None,
            "previous": self.get_previous_link(),
            "next": self.get_next_link(),
            "pages": [],
        }
        if not (self.count_exact and at_start) or self.count <= self.page_size:
            return navigation
        paginator = Paginator(range(self.count), self.page_size)
        current = min(offset // self.page_size + 1, paginator.num_pages)  # rows may have gone since the link
        navigation["pages"] = [
            {"number": number, "url": self.page_link(number), "current": number == current}
            if number != paginator.ELLIPSIS
            else {"number": number, "url": None, "current": False}
            for number in paginator.get_elided_page_range(current, on_each_side=2, on_ends=1)
        ]
        navigation["previous"] = self.page_link(current - 1) if current > 1 else None
        navigation["next"] = self.page_link(current + 1) if current < paginator.num_pages else None
        return navigation

    def page_link(self, number: int) -> str:
        if number == 1:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor(Cursor(offset=(number - 1) * self.page_size, reverse=False, position=None))

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "count_exact", *response["required"]]
        response["properties"] = {
            "count": {
                "type": "integer",
                "example": 123,
                "description": f"How many rows match the filters and search: exact up to {self.exact_count_limit:,}, "
                "else PostgreSQL's estimate.",
            },
            "count_exact": {"type": "boolean", "description": "false: `count` is an estimate."},
            **response["properties"],
        }
        return response

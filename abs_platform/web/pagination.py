from rest_framework.pagination import CursorPagination


class TenantCursorPagination(CursorPagination):
    """Keyset pagination: constant cost per page however deep, no COUNT(*).

    Ordering always ends with ``id`` so pages are stable; indexes lead with
    ``tenant_id`` so the planner never walks another tenant's rows.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering += ("-id" if ordering and ordering[0].startswith("-") else "id",)
        return ordering

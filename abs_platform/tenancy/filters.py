from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend


class QueryParamFilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the filters.

    Building a FilterSet and validating its form costs ~3 ms per request
    (measured with ``make bench``); an unfiltered first page needs none of it.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(filterset_class.base_filters) & set(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class RequestedFilterSet(filters.FilterSet):
    """A FilterSet that builds only the filters the request names.

    django-filter deep-copies every declared filter and builds a form field for each on every request
    (about 2 ms for the account list's fourteen); a filter the request does not name filters nothing.
    Every filter here reads one query parameter of its own name (no range widgets), so the result is
    the same. The schema and the class keep all filters.
    """

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            self.base_filters = {name: filter_ for name, filter_ in self.base_filters.items() if name in data}
        super().__init__(data, *args, **kwargs)

    def filter_queryset(self, queryset):
        """django-filter's, less its check that every filter answers a QuerySet: a list's RowQuery
        (tenancy.rows) stands in for one and answers plain filters itself."""
        for name, value in self.form.cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend


class QueryParamFilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the filters (an unfiltered page needs no
    FilterSet and no form)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(filterset_class.base_filters) & set(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


# Form fields of filters, built once per process: (FilterSet class, filter name) -> field.
_shared_fields: dict[tuple[type, str], forms.Field] = {}


class RequestedFilterSet(filters.FilterSet):
    """A FilterSet that builds only the filters the request names, and validates them without a form.

    django-filter deep-copies every declared filter, builds a form class with a field for each, and
    instantiates it on every request, a large part of a list request's cost (docs/benchmarks.md). Here
    a filter the request does not name is left out (it would filter nothing), and each named value is
    cleaned by its filter's form field as the form would (widget first, then ``clean``), with the errors
    keyed by filter name as the form gives them. The fields hold no request state, so they are built
    once per process; a filter whose choices come from a queryset builds its field per request, since
    that queryset may depend on the request. Every filter here reads one query parameter of its own
    name (no range widgets). ``form`` still works (django-filter's own), and the schema and the class
    keep all filters.
    """

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            self.base_filters = {name: filter_ for name, filter_ in self.base_filters.items() if name in data}
        super().__init__(data, *args, **kwargs)

    def _field(self, name: str) -> forms.Field:
        filter_ = self.filters[name]
        if isinstance(filter_, QuerySetRequestMixin):
            return filter_.field
        key = (type(self), name)
        if key not in _shared_fields:
            _shared_fields[key] = filter_.field
        return _shared_fields[key]

    def _clean(self) -> tuple[dict, ErrorDict]:
        if not hasattr(self, "_cleaned"):
            cleaned, errors = {}, ErrorDict()
            for name in self.filters:
                field = self._field(name)
                try:
                    cleaned[name] = field.clean(field.widget.value_from_datadict(self.data, {}, name))
                except ValidationError as error:
                    errors[name] = ErrorList(error.error_list)
            self._cleaned = (cleaned, errors)
        return self._cleaned

    def is_valid(self):
        return self.is_bound and not self._clean()[1]

    @property
    def errors(self):
        return self._clean()[1]

    def filter_queryset(self, queryset):
        """django-filter's, over the values cleaned above instead of a form's."""
        for name, value in self._clean()[0].items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

from .booleans import parse_bool


def accepted_query_params(view, filterset_class) -> set[str]:
    """The query parameters a list understands: its filters, search, ordering, pagination and ``format``."""
    accepted = {api_settings.URL_FORMAT_OVERRIDE}
    if filterset_class is not None:
        accepted |= set(filterset_class.base_filters)
    for backend in view.filter_backends:
        if issubclass(backend, SearchFilter) and getattr(view, "search_fields", None):
            accepted.add(backend.search_param)
        if issubclass(backend, OrderingFilter):
            accepted.add(backend.ordering_param)
    if view.paginator is not None:
        accepted |= set(getattr(view.paginator, "query_params", ()))
    return accepted


class QueryParamFilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the filters (an unfiltered page needs no
    FilterSet and no form). A list naming a parameter it does not know answers 400, naming it: a misspelt
    filter would otherwise silently return everything. (Other actions may read parameters of their own.)"""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if getattr(view, "action", None) == "list":
            accepted = accepted_query_params(view, filterset_class)
            unknown = [name for name in request.query_params if name not in accepted]
            if unknown:
                message = f"Unknown query parameter. Use one of: {', '.join(sorted(accepted))}."
                raise ApiValidationError({name: [message] for name in unknown})
        if filterset_class is None or not set(filterset_class.base_filters) & set(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, answering 400 for a field that cannot be sorted by instead of ignoring it."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = [name for name, _ in self.get_valid_fields(queryset, view, {"request": request})]
        terms = [term for term in fields if term]
        unknown = [term for term in terms if term.removeprefix("-") not in valid]
        if unknown:
            raise ApiValidationError(
                {
                    self.ordering_param: [
                        f"Cannot sort by {', '.join(unknown)}. Sort by {', '.join(valid)}; prefix - for descending."
                    ]
                }
            )
        return terms


class YesNoField(forms.Field):
    """A boolean query parameter: the CSV importer's spellings (true/false, yes/no, 1/0, …), else an error;
    empty filters nothing."""

    default_error_messages = {"invalid": "“%(value)s” is not a boolean: use true or false (also yes/no, 1/0)."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_bool(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from None


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

    @classmethod
    def get_filters(cls):
        """django-filter's, with every boolean filter refusing values it cannot read (its own widget and form
        field read them as "no filter")."""
        built = super().get_filters()
        for filter_ in built.values():
            if isinstance(filter_, filters.BooleanFilter):
                filter_.field_class = YesNoField
                filter_.extra.pop("widget", None)
        return built

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


class NamedSearchFilter(SearchFilter):
    """DRF's search, with its refusals (e.g. a NUL character) named by the parameter, as every other 400 is."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ApiValidationError as error:
            raise ApiValidationError({self.search_param: error.detail}) from None

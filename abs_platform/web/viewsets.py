"""The base of every tenant resource's API: scoping, roles and htmx fragments in one place."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from abs_platform.tenancy.context import get_current_tenant
from abs_platform.tenancy.models import Role, role_at_least

from .renderers import FormFieldRenderer

# Serializer forms render with the field templates of templates/forms/pack/.
FORM_STYLE = {"template_pack": "forms/pack", "renderer": FormFieldRenderer()}

# What every dashboard form may post besides the serializer's fields; a serializer that reads more keys of a form
# (to build a field from them) names them in ``form_only_keys``.
FORM_ONLY_KEYS = frozenset({"csrfmiddlewaretoken"})

FRAGMENT_BY_ACTION = {
    "list": "list",
    "retrieve": "detail",
    "create": "created",
    "update": "row",
    "partial_update": "row",
    "row": "row",
    "new_form": "form",
    "edit_form": "form",
}


def unknown_field_errors(serializer, data) -> dict:
    """Each key of ``data`` that the serializer does not have → its error. Read-only fields are known (a client
    may send back what it read) and ignored."""
    if not isinstance(serializer, serializers.Serializer) or not isinstance(data, Mapping):
        return {}
    known = set(serializer.fields)
    if hasattr(data, "getlist"):  # an HTML form
        known |= FORM_ONLY_KEYS | set(getattr(serializer, "form_only_keys", ()))
    unknown = [key for key in data if key not in known]
    if not unknown:
        return {}
    writable = ", ".join(name for name, field in serializer.fields.items() if not field.read_only)
    return {key: [f"Unknown field. Send only: {writable}."] for key in unknown}


def refuse_unknown_fields(serializer) -> None:
    """400 naming every key of the body that the serializer does not have: a misspelt field would otherwise be
    dropped silently."""
    errors = unknown_field_errors(serializer, serializer.initial_data)
    if errors:
        raise serializers.ValidationError(errors)


class ReadBackAfterWrite:
    """A write answers the object as a read does: read back through the selector (its annotated names)."""

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class TenantModelViewSet(viewsets.ModelViewSet):
    """A tenant-owned resource served as JSON (integrations) and HTML fragments (htmx).

    Subclasses provide ``scoped_queryset()`` built on the model's scoped
    ``objects`` manager (usually a selector); overriding ``get_queryset`` is
    refused so that nobody scopes by hand. Objects of another tenant are simply
    not in the queryset: every verb on them answers 404.
    """

    read_role = Role.VIEWER
    write_role = Role.MEMBER
    fragment_template: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset; implement scoped_queryset().")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return self.get_serializer_class().Meta.model.all_tenants.none()
        return self.scoped_queryset()

    def get_write_role(self):
        return self.write_role

    def get_serializer(self, *args, serializer_class=None, **kwargs):
        """DRF's, or of ``serializer_class`` (an action's own input). A body naming a field the serializer does
        not have answers 400."""
        serializer_class = serializer_class or self.get_serializer_class()
        kwargs.setdefault("context", self.get_serializer_context())
        serializer = serializer_class(*args, **kwargs)
        if "data" in kwargs:
            refuse_unknown_fields(serializer)
        return serializer

    @property
    def tenant(self):
        return get_current_tenant()

    def is_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def perform_create(self, serializer):
        self.save_or_report(serializer)

    def perform_update(self, serializer):
        self.save_or_report(serializer)

    @staticmethod
    def save_or_report(serializer):
        """Model-level validation errors (from services) come back field by field, like the serializer's own."""
        try:
            serializer.save()
        except DjangoValidationError as error:
            serializer._errors = serializers.as_serializer_error(error)
            raise serializers.ValidationError(serializer.errors) from None

    # Every change tells the page (``objectsChanged``), so whatever depends on the object (a committee map,
    # coverage, engagement) reloads, not only the list it was changed in.
    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if self.is_htmx():
            response["HX-Trigger"] = "objectsChanged"
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        if self.is_htmx() and response.status_code < 400:
            response["HX-Trigger"] = "objectsChanged"
        return response

    def destroy(self, request, *args, **kwargs):
        response = super().destroy(request, *args, **kwargs)
        if self.is_htmx():
            # htmx only swaps 2xx responses with a body; an empty 200 removes the row.
            return Response(status=status.HTTP_200_OK, headers={"HX-Trigger": "objectsChanged"})
        return response

    @extend_schema(exclude=True)
    @action(detail=True, methods=["get"])
    def row(self, request, *args, **kwargs):
        """One object as a list row (htmx, e.g. to cancel an edit); JSON callers get the object."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(exclude=True)
    @action(detail=False, methods=["get"], url_path="new")
    def new_form(self, request, *args, **kwargs):
        """An empty create form (htmx); JSON callers get the defaults."""
        return Response(self.get_serializer().data)

    @extend_schema(exclude=True)
    @action(detail=True, methods=["get"], url_path="edit")
    def edit_form(self, request, *args, **kwargs):
        """The edit form for one object (htmx); JSON callers get the object."""
        return Response(self.get_serializer(self.get_object()).data)

    def get_fragment_template(self, response) -> str:
        if response.status_code == status.HTTP_400_BAD_REQUEST and self.action in (
            "create",
            "update",
            "partial_update",
        ):
            partial = "form"
        elif response.status_code == status.HTTP_400_BAD_REQUEST and self.action == "list":
            return "partials/filter_errors.html"
        elif response.status_code >= 400:
            return "partials/error.html"
        else:
            partial = FRAGMENT_BY_ACTION.get(self.action, "detail")
        return f"{self.fragment_template}#{partial}"

    def get_fragment_context(self, data, response) -> dict:
        match = self.request.resolver_match
        url_kwargs = {key: value for key, value in self.kwargs.items() if key != self.lookup_field}
        return {
            "api_url": reverse(f"{match.namespace}:{self.basename}-list", kwargs=url_kwargs),
            "can_edit": self.request._request.tenant_role is not None
            and role_at_least(self.request._request.tenant_role, self.write_role),
            "data": data,
            "serializer": getattr(data, "serializer", None),
            "form_style": FORM_STYLE,
            "errors": data if response.status_code == 400 else {},  # field errors for the form partials
            "non_field_errors": data.get("non_field_errors", []) if response.status_code == 400 else [],
            "status": response.status_code,
            "view": self,
            "tenant": self.tenant,
            "role": getattr(self.request._request, "tenant_role", None),
            "object_id": self.kwargs.get(self.lookup_url_kwarg or self.lookup_field),
            # Whatever paginated this request (the list, or an action with its own pagination) draws its pager.
            "paging": self.paginator.page_navigation()
            if response.status_code == 200 and hasattr(self.paginator, "count")
            else None,
        }

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response

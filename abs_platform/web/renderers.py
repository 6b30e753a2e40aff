from django.template.loader import render_to_string
from rest_framework.renderers import BaseRenderer, HTMLFormRenderer

from .numbers import LocalizedNumberMixin, format_number


class HtmxFragmentRenderer(BaseRenderer):
    """Renders the viewset's named template partial for the current action and status.

    The view says which partial (``get_fragment_template``) and what it needs
    (``get_fragment_context``); the data is the serializer output, the same
    as the JSON, so validation and scoping live in one place.
    """

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        view = renderer_context["view"]
        response = renderer_context["response"]
        request = renderer_context["request"]
        if response.status_code == 204 or data is None:
            return b""
        if hasattr(view, "get_fragment_template") and response.status_code < 500:
            template = view.get_fragment_template(response)
        else:
            template = "partials/error.html"
        context = (
            view.get_fragment_context(data, response)
            if hasattr(view, "get_fragment_context")
            else {"data": data, "status": response.status_code}
        )
        return render_to_string(template, context, request=request._request)


class FormFieldRenderer(HTMLFormRenderer):
    """DRF's form field renderer, safe for forms shown again with their errors.

    DRF parses a ``datetime-local`` field's value once more to format it, and raises on the very input that
    failed validation (``occurred_at=yesterday`` → 500 instead of the form with its error). A field with errors
    whose value cannot be rendered is shown empty, with its error.

    A number field (``LocalizedNumberMixin``) of a form that was not posted shows its value grouped in the reader's
    locale, so it reads, and posts back, as the user would type it; a posted form shows what was typed.
    """

    def render_field(self, field, parent_style):
        serializer = getattr(field._field, "parent", None)
        if isinstance(field._field, LocalizedNumberMixin) and not hasattr(serializer, "initial_data"):
            field = type(field)(field._field, format_number(field.value), field.errors, field._prefix)
        try:
            return super().render_field(field, parent_style)
        except (TypeError, ValueError):
            if not field.errors:
                raise
            return super().render_field(type(field)(field._field, None, field.errors, field._prefix), parent_style)

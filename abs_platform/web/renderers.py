from django.template.loader import render_to_string
from rest_framework.renderers import BaseRenderer


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

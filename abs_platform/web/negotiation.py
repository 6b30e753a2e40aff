from rest_framework.negotiation import DefaultContentNegotiation

from .renderers import HtmxFragmentRenderer


class HtmxContentNegotiation(DefaultContentNegotiation):
    """htmx requests (``HX-Request`` header) get HTML fragments; everything else JSON.

    htmx sends no useful Accept header, so the header decides, and every
    response says ``Vary: HX-Request``.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.headers.get("HX-Request") == "true":
            for renderer in renderers:
                if isinstance(renderer, HtmxFragmentRenderer):
                    return renderer, renderer.media_type
        others = [r for r in renderers if not isinstance(r, HtmxFragmentRenderer)]
        return super().select_renderer(request, others, format_suffix)

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # the API's own views check CSRF where a session authenticates (DRF); this one reads nothing
def api_fallback(request, path=""):
    """Whatever no route of ``/api/v1/`` matched. A path without its trailing slash is served as with it (a
    redirect would turn an integrator's POST into a GET that reports success); anything else is a JSON 404,
    as every answer of the API is JSON."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_fallback:
            request.resolver_match = match
            return match.func(request, *match.args, **match.kwargs)
    return JsonResponse({"detail": "Not found."}, status=404)

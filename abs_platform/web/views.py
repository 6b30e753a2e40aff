import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError


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


# A service the request needed (the shared cache, the broker) was unreachable: the request's transaction was
# rolled back (any answer of 400 or more rolls back), so the honest answer is "try again", not "server error".
UNAVAILABLE = (ConnectionError, RedisError, ConnectionInterrupted, KombuOperationalError)
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """``handler500``: 503 with ``Retry-After`` when a needed service was down (nothing was changed), else 500;
    JSON under ``/api/``, a plain page elsewhere (no context processors: they may need what failed)."""
    unavailable = isinstance(sys.exc_info()[1], UNAVAILABLE)
    status = 503 if unavailable else 500
    message = (
        "A service this request needs is unavailable for a moment; nothing was changed. Try again shortly."
        if unavailable
        else "Server error: nothing was changed. The error was logged."
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if unavailable else {}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, headers=headers)
    html = loader.get_template("500.html").render({"message": message, "status": status})
    return HttpResponse(html, status=status, headers=headers)

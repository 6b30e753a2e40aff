"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: its dependencies answer).

Liveness checks nothing else, so a database or Redis outage never gets healthy web processes
restarted; readiness is for load balancers and deploy scripts that should route traffic only to
a process that can serve it.
"""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    cache.get("readyz")


def _broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
def readyz(request):
    """200 when the database, the cache and the Celery broker all answer, else 503 naming the failures."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            logger.warning("Readiness check %s failed.", name, exc_info=True)
            results[name] = "unavailable"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(results, status=200 if ready else 503)

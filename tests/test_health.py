"""Liveness answers without any dependency; readiness names the dependency that does not answer."""

import pytest

from abs_platform.celery import app as celery_app


@pytest.fixture
def broker_down(monkeypatch):
    """The Celery broker at a port where nothing listens."""
    for name in ("broker_url", "broker_write_url"):
        monkeypatch.setattr(celery_app.conf, name, "redis://127.0.0.1:9/0")


@pytest.fixture
def cache_down(monkeypatch):
    from django.core.cache import caches

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(caches["default"], "get", unreachable)


def test_liveness_touches_no_database_cache_or_broker(client, broker_down, cache_down):
    """No ``django_db`` mark: a database query here would raise."""
    response = client.get("/healthz")
    assert (response.status_code, response.content, response["Content-Type"]) == (200, b"ok", "text/plain")


@pytest.mark.django_db
def test_readiness_checks_database_cache_and_broker(client):
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"database": "ok", "cache": "ok", "broker": "ok"})


@pytest.mark.django_db
def test_readiness_is_503_while_the_broker_is_down(client, broker_down):
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"database": "ok", "cache": "ok", "broker": "unavailable"})


@pytest.mark.django_db
def test_readiness_is_503_while_the_cache_is_down(client, cache_down):
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"database": "ok", "cache": "unavailable", "broker": "ok"})

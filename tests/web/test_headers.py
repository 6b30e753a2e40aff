"""Security headers: the Content-Security-Policy, Permissions-Policy and no caching of workspace data."""

import pytest

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def directives(header: str) -> set[str]:
    """The policy's directives (django-csp does not keep their order)."""
    return {part.strip() for part in header.split(";")}


def test_pages_carry_the_strict_policy_and_permissions_policy(client):
    response = client.get("/auth/login/")
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert response["Permissions-Policy"] == (
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
        "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
    )


def test_workspace_pages_and_fragments_are_not_cached(client_for, member_a):
    member = client_for(member_a)
    for path, headers in (("/t/alpha/accounts/", {}), ("/t/alpha/api/accounts/", {"HTTP_HX_REQUEST": "true"})):
        assert member.get(path, **headers)["Cache-Control"] == "private, no-store", path


def test_api_answers_are_not_cached(api_a):
    assert api_a.get("/api/v1/accounts/")["Cache-Control"] == "private, no-store"
    refused = api_a.get("/api/v1/accounts/999999/")
    assert (refused.status_code, refused["Cache-Control"]) == (404, "private, no-store")


def test_only_the_api_docs_relax_the_policy(client):
    assert "style-src 'self' 'unsafe-inline'" in directives(client.get("/api/docs/")["Content-Security-Policy"])
    assert client.get("/api/docs/?script")["Content-Type"] == "application/javascript"

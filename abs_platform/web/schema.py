def only_public_api(endpoints, **kwargs):
    """The OpenAPI schema documents the integration API (``/api/v1/``), not the dashboard's fragment routes."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]

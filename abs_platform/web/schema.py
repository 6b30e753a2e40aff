from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

# A 400's body: each refused input (body field, query parameter or `non_field_errors`) with its messages.
VALIDATION_ERROR = {
    "description": "Invalid input: each refused field or query parameter with its messages.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": {},
                "example": {"is_target": ["“maybe” is not a boolean: use true or false (also yes/no, 1/0)."]},
            }
        }
    },
}


def only_public_api(endpoints, **kwargs):
    """The OpenAPI schema documents the integration API (``/api/v1/``), not the dashboard's fragment routes."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, documenting the 400 of every list (unknown or invalid query parameters) and write
    (invalid or unknown fields)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method in ("POST", "PUT", "PATCH") or (self.method == "GET" and self._is_list_view()):
            responses.setdefault("400", VALIDATION_ERROR)
        return responses

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key abs_<prefix>_<secret>``.

    ``TenantMiddleware`` has already checked the key and made its tenant
    current (bad keys never reach a view); this hands the key to DRF as
    ``request.auth``, acting as the user who created it.
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        api_key = getattr(request._request, "api_key", None)
        if api_key is None:
            return None
        return (api_key.created_by or AnonymousUser(), api_key)

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key abs_<prefix>_<secret>`, created by a workspace admin.",
        }

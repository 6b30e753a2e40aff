import re

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils import timezone

from . import selectors
from .caching import hinted_user
from .context import tenant_context
from .db import ops_transaction, tenant_transaction

TENANT_PATH = re.compile(r"^/t/(?P<slug>[-\w]+)/")
API_PREFIX = "/api/v1/"
ADMIN_PREFIX = "/admin/"
USER_HINT_COOKIE = "abs_user"


def _is_user_id(value: str) -> bool:
    """A user id as the session writes it: ASCII digits, no leading zero, within a bigint."""
    return 0 < len(value) < 19 and value.isascii() and value.isdigit() and value[0] != "0"


class UserHintMiddleware:
    """Hands the user-hint cookie to the session store, and keeps the cookie equal to the session's user.

    The hint only lets the session and the user's access entries be read from the cache in one round trip
    (sessions.py); who is signed in is decided by the session alone. Set after a log-in, dropped after a
    log-out, on any response whose request read the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hint = request.COOKIES.get(USER_HINT_COOKIE, "")
        if _is_user_id(hint):
            with hinted_user(hint):
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed:
            self._keep_hint(response, hint, session.get(SESSION_KEY))
        return response

    @staticmethod
    def _keep_hint(response, hint: str, user_id) -> None:
        if user_id is None:
            if hint:
                response.delete_cookie(
                    USER_HINT_COOKIE,
                    path=settings.SESSION_COOKIE_PATH,
                    domain=settings.SESSION_COOKIE_DOMAIN,
                    samesite=settings.SESSION_COOKIE_SAMESITE,
                )
        elif str(user_id) != hint:
            response.set_cookie(
                USER_HINT_COOKIE,
                str(user_id),
                max_age=None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_COOKIE_AGE,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )


class TenantMiddleware:
    """Sets the current tenant for browser routes (from the URL) and API calls (from the key).

    Each tenant request runs in one transaction that carries the PostgreSQL
    row-level-security setting; the context is reset when the request ends.
    Anything else (log-in, the workspace picker) has no tenant at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if match := TENANT_PATH.match(path):
            return self._browser_request(request, match["slug"])
        if path.startswith(API_PREFIX):
            return self._api_request(request)
        if path.startswith(ADMIN_PREFIX) and request.user.is_authenticated and request.user.is_staff:
            with ops_transaction():
                return self._respond(request)
        return self.get_response(request)

    def _respond(self, request):
        """Inside the request's transaction: a failed request (4xx/5xx) writes nothing."""
        response = self.get_response(request)
        if response.status_code >= 400:
            transaction.set_rollback(True)
        return response

    def _browser_request(self, request, slug):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # Read once per request: the page header's workspace switcher lists them too (context_processors).
        request.memberships = selectors.memberships_of(request.user)
        membership = selectors.membership_in(request.memberships, tenant_slug=slug)
        if membership is None:
            raise Http404("No such workspace.")
        request.tenant = membership.tenant
        request.membership = membership
        request.tenant_role = membership.role
        with (
            tenant_context(membership.tenant, request.user),
            tenant_transaction(membership.tenant),
            timezone.override(membership.tenant.time_zone),
        ):
            return self._respond(request)

    def _api_request(self, request):
        raw_key = selectors.api_key_from_header(request.headers.get("Authorization", ""))
        if raw_key is None:
            return self.get_response(request)
        api_key = selectors.api_key_authenticate(raw_key)
        if api_key is None:
            return JsonResponse(
                {"detail": "Invalid, expired or revoked API key."}, status=401, headers={"WWW-Authenticate": "Api-Key"}
            )
        request.tenant = api_key.tenant
        request.api_key = api_key
        request.tenant_role = None
        with tenant_context(api_key.tenant, api_key.created_by), tenant_transaction(api_key.tenant):
            return self._respond(request)

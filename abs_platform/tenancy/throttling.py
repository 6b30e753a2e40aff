"""Brute-force limits: log-in lockouts (django-axes), password-reset, sign-up and API-key rates (DRF throttles).

The rates are settings (docs/operations.md). DRF's throttles keep their counters in the default
cache; when it cannot be reached they let requests through (logged), as the access cache falls
back rather than fail (docs/decisions/0006).
"""

import hashlib
import logging
import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` proxies in front, the address
    the outermost one appended to ``X-Forwarded-For`` (earlier entries are the client's to forge)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def too_many_requests(request, retry_after: float):
    """The 429 page of the log-in, password-reset and sign-up forms."""
    seconds = max(1, math.ceil(retry_after))
    response = render(request, "registration/too_many_requests.html", {"minutes": math.ceil(seconds / 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def login_lockout(request, original_response=None, credentials=None):
    """django-axes' lockout response (``AXES_LOCKOUT_CALLABLE``)."""
    return too_many_requests(request, get_cool_off(request).total_seconds())


class FailOpenRateThrottle(SimpleRateThrottle):
    """A rate from a plain setting (read per request, so tests and operators can change it)."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("Cache unreachable; %s not throttled.", self.scope, exc_info=True)
            return True


class ApiKeyRateThrottle(FailOpenRateThrottle):
    """Requests per API key (``API_KEY_THROTTLE_RATE``); session requests of the dashboard are not counted."""

    scope = "api_key"
    rate_setting = "API_KEY_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        api_key = getattr(request._request, "api_key", None)
        if api_key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_key.pk}


class PasswordResetIpThrottle(FailOpenRateThrottle):
    scope = "password_reset_ip"
    rate_setting = "PASSWORD_RESET_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class PasswordResetEmailThrottle(FailOpenRateThrottle):
    scope = "password_reset_email"
    rate_setting = "PASSWORD_RESET_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        email = request.POST.get("email", "").strip().lower()
        return self.cache_format % {"scope": self.scope, "ident": hashlib.sha256(email.encode()).hexdigest()}


class SignUpIpThrottle(FailOpenRateThrottle):
    """Sign-up attempts per client address (``SIGNUP_THROTTLE_RATE``), refused or not."""

    scope = "signup_ip"
    rate_setting = "SIGNUP_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

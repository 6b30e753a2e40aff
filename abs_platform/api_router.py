"""One router for every resource: mounted at /api/v1/ (API keys) and /t/<slug>/api/ (the dashboard)."""

from rest_framework.routers import SimpleRouter

from abs_platform.tenancy.api import MemberViewSet
from accounts.api import AccountViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("members", MemberViewSet, basename="member")

"""A bare Django project serving only the bench's bare view: the same database and app role as the product,
no installed apps, no middleware. Against it, the in-app bare view shows what the product's middleware
stack costs by itself."""

from abs_platform.settings import ALLOWED_HOSTS, DATABASES, DEBUG, SECRET_KEY, TIME_ZONE, USE_TZ  # noqa: F401

INSTALLED_APPS = []
MIDDLEWARE = []
ROOT_URLCONF = "bench.urls_bare"
BENCH_TENANT_SLUG = "bench"

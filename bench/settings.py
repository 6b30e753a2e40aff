"""Settings for the benchmark: the product's own, plus a URLconf that adds the bare baseline view."""

from abs_platform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The load generator sends thousands of requests a second with one key: the per-key limit would refuse
# most of them (and DRF's throttle keeps one timestamp per request in the window).
API_KEY_THROTTLE_RATE = None
BENCH_TENANT_SLUG = "bench"

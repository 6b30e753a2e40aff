"""Settings for the benchmark: the product's own, plus a URLconf that adds the bare baseline view."""

from abs_platform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
BENCH_TENANT_SLUG = "bench"

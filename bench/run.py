"""The reference benchmark: `make bench` (BENCH_ARGS="--duration 5 --repeat 1" for a quick run).

Runs inside scripts/with-services.sh (a throwaway PostgreSQL with the owner,
app and bypass roles, and Redis). Steps:

1. migrate as the table owner (the post_migrate hook applies RLS and grants);
2. build the reference data set (bench/dataset.py) as the app role, under RLS;
   VACUUM ANALYZE as the owner;
3. create an API key and a logged-in session for a member of the tenant;
4. count the SQL queries of one request per endpoint, in-process with the
   Django test client (same settings, same database, same app role);
5. start gunicorn (2 sync workers, DEBUG off, the app role) and run
   `wrk -t2 -c20 -d20s --latency` per endpoint, `--repeat` times interleaved;
6. print medians and the ratio of requests/s to the bare view measured in the
   same round; write bench/results/latest.json; stop gunicorn (also on failure).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
NOT_YET = "n/a (contacts arrive with issue 3)"
SERVE_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "false",
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "PYTHONPATH": str(ROOT),
}
# Django logs BEGIN/COMMIT/SAVEPOINT too; "queries per request" counts only the statements that do work.
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
BELOW_TARGET = 0.5  # ARCHITECTURE.md: every read endpoint serves at least half the bare view's requests/s


@dataclass
class Endpoint:
    key: str
    label: str
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    available: bool = True
    status: int | None = None
    bytes: int | None = None
    queries: int | None = None
    sql: list[str] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio_to_bare: float | None = None
    errors: int = 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20, help="wrk seconds per endpoint and round (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are reported (default 3)")
    parser.add_argument("--warmup", type=float, default=2, help="wrk seconds per endpoint before round 1 (0: none)")
    parser.add_argument("--noise", type=int, default=0, help="noise tenants of the same size, interleaved")
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts per tenant (default 10,000)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--industry", default="Healthcare", help="industry for the filtered list")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys to run (bare always runs)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each endpoint's queries")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    return parser.parse_args(argv)


def say(message: str = "") -> None:
    print(message, flush=True)


def migrate(owner_url: str) -> None:
    env = {**os.environ, **SERVE_ENV, "DATABASE_URL": owner_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)


def owner_sql(owner_url: str, *statements: str) -> None:
    import psycopg2

    conn = psycopg2.connect(owner_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def check_rls(tenant) -> str:
    """The app role must be subject to RLS: no superuser, no BYPASSRLS, not the owner, and no rows without a tenant."""
    from django.db import connection, transaction

    from abs_platform.tenancy.db import tables_missing_policy
    from accounts.models import Account

    table = Account._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolsuper, r.rolbypassrls, pg_get_userbyid(c.relowner) "
            "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.relname = %s",
            [table],
        )
        user, superuser, bypass, owner = cursor.fetchone()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        visible_without_tenant = cursor.fetchone()[0]
    missing = tables_missing_policy()
    problems = []
    if superuser or bypass or user == owner:
        problems.append(f"role {user} bypasses RLS (superuser={superuser}, bypassrls={bypass}, owner={owner})")
    if visible_without_tenant:
        problems.append(f"{visible_without_tenant} accounts visible with no tenant set")
    if missing:
        problems.append(f"tables without the policy: {', '.join(missing)}")
    if problems:
        raise SystemExit("RLS is not in force: " + "; ".join(problems))
    return f"RLS on: app role {user} (no superuser, no BYPASSRLS, not owner {owner}); 0 rows visible without a tenant"


def credentials(data, industry: str):
    """An API key, a session (plus CSRF cookie, as a browser sends) and the ids the endpoints need."""
    from django.conf import settings
    from django.test import Client

    from abs_platform.tenancy import services
    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from abs_platform.tenancy.models import ApiKey
    from accounts.models import Account

    tenant, user = data.tenant, data.owner
    with tenant_context(tenant, user):
        ApiKey.objects.filter(tenant=tenant, name="bench").delete()
        _key, raw_key = services.api_key_create(name="bench", created_by=user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.get(f"/t/{tenant.slug}/accounts/")
    if response.status_code != 200:
        raise SystemExit(f"The Accounts page answered {response.status_code} for the bench user")
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    with tenant_context(tenant), tenant_transaction(tenant):
        ids = list(Account.objects.order_by("created_at", "id").values_list("id", flat=True))
        in_industry = Account.objects.filter(industry=industry).count()
    if not in_industry:
        raise SystemExit(f"No account has the industry {industry!r}")
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    return raw_key, cookie, ids[len(ids) // 2], in_industry


def endpoints_for(slug: str, raw_key: str, cookie: str, account_id: int, industry: str) -> list[Endpoint]:
    api = {"Authorization": f"Api-Key {raw_key}"}
    page = {"Cookie": cookie}
    htmx = {"Cookie": cookie, "HX-Request": "true"}
    return [
        Endpoint("bare", "BARE baseline (plain view, RLS)", "/bench/bare-accounts/", {}),
        Endpoint("api-list", "API account list (first page)", "/api/v1/accounts/", api),
        Endpoint(
            "api-list-industry", f"API account list, industry={industry}", f"/api/v1/accounts/?industry={industry}", api
        ),
        Endpoint("api-detail", "API account detail", f"/api/v1/accounts/{account_id}/", api),
        Endpoint("contact-list", "API contact list", available=False),
        Endpoint("contact-detail", "API contact detail", available=False),
        Endpoint("fragment-list", "Dashboard account list fragment (htmx)", f"/t/{slug}/api/accounts/", htmx),
        Endpoint("accounts-page", "Accounts page shell", f"/t/{slug}/accounts/", page),
        Endpoint("metrics-page", "Metrics page", f"/t/{slug}/metrics/", page),
    ]


def count_queries(endpoints: list[Endpoint], tenant, explain: bool) -> None:
    """One request per endpoint in-process (after one warm-up request), with the headers wrk sends."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction

    for endpoint in endpoints:
        if not endpoint.available:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.get(endpoint.path, headers=endpoint.headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(endpoint.path, headers=endpoint.headers)
        if response.status_code != 200:
            raise SystemExit(f"{endpoint.path} answered {response.status_code} in-process")
        endpoint.sql = [query["sql"] for query in captured.captured_queries]
        endpoint.queries = sum(1 for sql in endpoint.sql if sql.split(None, 1)[0].upper() not in TRANSACTION_CONTROL)
        if explain:
            with tenant_context(tenant), tenant_transaction(tenant), connection.cursor() as cursor:
                for sql in endpoint.sql:
                    if sql.lstrip().upper().startswith("SELECT") and "set_config" not in sql:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        endpoint.explain.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))


def check_served(server, endpoints: list[Endpoint]) -> None:
    from bench.server import get

    for endpoint in endpoints:
        if not endpoint.available:
            continue
        status, _headers, body = get(server.port, endpoint.path, endpoint.headers)
        endpoint.status, endpoint.bytes = status, len(body)
        if status != 200:
            raise SystemExit(f"{endpoint.path} answered {status} from gunicorn: {body[:300]!r}")


def run_rounds(server, endpoints: list[Endpoint], args) -> None:
    from bench import wrk

    live = [e for e in endpoints if e.available]
    options = {"threads": args.threads, "connections": args.connections}
    if args.warmup > 0:
        say(f"Warm-up: {args.warmup:g}s per endpoint…")
        for endpoint in live:
            wrk.run(server.base_url + endpoint.path, endpoint.headers, duration=args.warmup, **options)
    for round_number in range(args.repeat):
        # Rotate the order each round so no endpoint always runs first or last.
        shift = round_number % len(live)
        for endpoint in live[shift:] + live[:shift]:
            result = wrk.run(server.base_url + endpoint.path, endpoint.headers, duration=args.duration, **options)
            errors = result.non_2xx_3xx + result.socket_errors
            endpoint.runs.append(
                {
                    "round": round_number + 1,
                    "rps": result.requests_per_second,
                    "p50_ms": result.p50_ms,
                    "p99_ms": result.p99_ms,
                    "requests": result.requests,
                    "non_2xx_3xx": result.non_2xx_3xx,
                    "socket_errors": result.socket_errors,
                }
            )
            say(
                f"  round {round_number + 1}/{args.repeat}  {endpoint.key:<18} {result.requests_per_second:9.1f} req/s"
                f"  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:8.2f} ms" + (f"  ERRORS {errors}" if errors else "")
            )


def summarize(endpoints: list[Endpoint]) -> None:
    bare = next(e for e in endpoints if e.key == "bare")
    bare_by_round = {run["round"]: run["rps"] for run in bare.runs}
    for endpoint in endpoints:
        if not endpoint.runs:
            continue
        endpoint.rps = statistics.median(run["rps"] for run in endpoint.runs)
        endpoint.p50_ms = statistics.median(run["p50_ms"] for run in endpoint.runs)
        endpoint.p99_ms = statistics.median(run["p99_ms"] for run in endpoint.runs)
        endpoint.errors = sum(run["non_2xx_3xx"] + run["socket_errors"] for run in endpoint.runs)
        ratios = [run["rps"] / bare_by_round[run["round"]] for run in endpoint.runs if bare_by_round.get(run["round"])]
        endpoint.ratio_to_bare = statistics.median(ratios) if ratios else None


def print_table(endpoints: list[Endpoint]) -> None:
    header = f"{'endpoint':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'bytes':>8} {'vs bare':>8}"
    say(header)
    say("-" * len(header))
    for e in endpoints:
        if not e.available:
            say(f"{e.label:<42} {NOT_YET}")
            continue
        if e.rps is None:
            continue
        flag = (
            "  < 0.5 bare" if e.key != "bare" and e.ratio_to_bare is not None and e.ratio_to_bare < BELOW_TARGET else ""
        )
        errors = f"  ({e.errors} errors)" if e.errors else ""
        say(
            f"{e.label:<42} {e.rps:8.1f} {e.p50_ms:8.2f} {e.p99_ms:8.2f} {e.queries:8d} {e.bytes:8d} "
            f"{e.ratio_to_bare:8.2f}{flag}{errors}"
        )


def main(argv=None) -> int:
    args = parse_args(argv)
    started, wall_start, load_before = time.monotonic(), datetime.now(UTC), os.getloadavg()
    app_url, owner_url = os.environ.get("DATABASE_URL", ""), os.environ.get("DATABASE_OWNER_URL", "")
    if not app_url.startswith("postgres") or not owner_url:
        raise SystemExit(
            "Run through `make bench` (scripts/with-services.sh sets DATABASE_URL and DATABASE_OWNER_URL)."
        )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops gunicorn
    os.environ.update(SERVE_ENV)
    sys.path.insert(0, str(ROOT))

    phase = time.monotonic()
    migrate(owner_url)
    say(f"Migrated as the owner ({time.monotonic() - phase:.1f}s).")

    import django

    # No collectstatic here (STATICFILES_BACKEND is the plain storage): whitenoise's warning about it is noise.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from bench import dataset
    from bench.server import Gunicorn

    data = dataset.build(accounts=args.accounts, noise=args.noise)
    phase = time.monotonic()
    owner_sql(owner_url, "VACUUM ANALYZE")
    say(
        f"Data set {'built' if data.built else 'reused'} in {data.seconds:.1f}s (+ VACUUM ANALYZE "
        f"{time.monotonic() - phase:.1f}s): tenant '{data.tenant.slug}' with {args.accounts:,} accounts, "
        f"{args.noise} noise tenant(s) of the same size; contacts: {NOT_YET}."
    )
    say(check_rls(data.tenant))

    raw_key, cookie, account_id, in_industry = credentials(data, args.industry)
    endpoints = endpoints_for(data.tenant.slug, raw_key, cookie, account_id, args.industry)
    if args.only:
        wanted = {"bare", *args.only.split(",")}
        endpoints = [e for e in endpoints if e.key in wanted or not e.available]
    count_queries(endpoints, data.tenant, args.explain)
    say(
        f"Queries per request counted in-process (each includes the RLS set_config; BEGIN/COMMIT not counted); "
        f"industry {args.industry!r} has {in_industry} accounts."
    )
    if args.explain:
        for e in endpoints:
            for plan in e.explain:
                say(f"\n--- {e.key}\n{plan}")

    server = Gunicorn(
        env={**os.environ, **SERVE_ENV, "DATABASE_URL": app_url},
        workers=args.workers,
        log_path=RESULTS_DIR / "gunicorn.log",
    )
    try:
        server.start()
        say(f"gunicorn: {args.workers} sync workers on {server.base_url}")
        check_served(server, endpoints)
        wrk_line = f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency"
        say(f"Load: {wrk_line}, {args.repeat} interleaved round(s)")
        run_rounds(server, endpoints, args)
    finally:
        server.stop()

    summarize(endpoints)
    elapsed = time.monotonic() - started
    say()
    say(f"Medians of {args.repeat} round(s); 'vs bare' is the median of per-round ratios to the bare view.")
    print_table(endpoints)
    slow = [e for e in endpoints if e.key != "bare" and e.ratio_to_bare is not None and e.ratio_to_bare < BELOW_TARGET]
    if slow:
        say(f"\nBelow half of the bare view (target >= {BELOW_TARGET}): {', '.join(e.key for e in slow)}")
    bare = next(e for e in endpoints if e.key == "bare")
    bare_rps = [run["rps"] for run in bare.runs]
    if len(bare_rps) > 1 and max(bare_rps) > 1.3 * min(bare_rps):
        say(
            f"Note: the bare view ranged {min(bare_rps):.0f}-{max(bare_rps):.0f} req/s across rounds; the machine "
            "was busy, so treat absolute figures (and, less so, ratios) as indicative. More --repeat helps."
        )
    load_after = os.getloadavg()
    say(
        f"\nTotal run time {elapsed:.0f}s. Load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} CPUs; wrk, gunicorn and PostgreSQL share them, so does anything else running here)."
    )

    args.output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "started_at": wall_start.isoformat(),
        "elapsed_seconds": round(elapsed, 1),
        "config": {
            "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency",
            "repeat": args.repeat,
            "gunicorn_workers": args.workers,
            "cpu_count": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
        },
        "dataset": {
            "tenant": data.tenant.slug,
            "accounts_per_tenant": args.accounts,
            "noise_tenants": args.noise,
            "contacts": NOT_YET,
            "build_seconds": round(data.seconds, 1),
        },
        "endpoints": [
            {k: v for k, v in asdict(e).items() if k != "headers"} | {"auth": sorted(e.headers)} for e in endpoints
        ],
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    say(f"Results: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The reference benchmark: `make bench` (BENCH_ARGS="--duration 5 --repeat 1" for a quick run).

Runs inside scripts/with-services.sh (a throwaway PostgreSQL with the owner,
app and bypass roles, and Redis). Steps:

1. migrate as the table owner (the post_migrate hook applies RLS and grants);
2. build the reference data set (bench/dataset.py) as the app role, under RLS;
   VACUUM ANALYZE as the owner;
3. create an API key and a logged-in session for a member of the tenant;
4. count the SQL queries of one request per endpoint, in-process with the
   Django test client (same settings, same database, same app role); an
   optional page (ICP, Personas) whose one request takes longer than
   `--slow-limit` seconds is left out of the load and said so;
5. start gunicorn (2 sync workers, DEBUG off, the app role) and run
   `wrk -t2 -c20 -d20s --latency` per endpoint, `--repeat` times interleaved,
   with shorter runs of the two baselines (`--bare-duration`) before the first
   endpoint and after each one;
6. print medians and the ratio of requests/s to each baseline, each run against
   the mean of the baseline runs on either side of it (seconds apart, so the
   machine's drift cancels); stop the servers (also on failure);
7. timed steps (not wrk), printed after the table: the 10,000-row contact CSV
   import (bench/import_bench.py) and the bulk fit-score recomputation of the
   bench tenant's accounts against its active ICP (icp.services.fit_scores_run,
   what the icp.fit_scores_recompute task runs), twice: first scoring, then
   again with nothing changed; write bench/results/latest.json.

Two baselines: the in-app bare view (``bare``: bench/views.py behind the
product's full middleware stack) and the same view served by a bare Django
project (``bare-django``: bench/settings_bare.py, no middleware, no apps, its
own gunicorn of the same shape on another port). Both run, one after the other,
before the first endpoint and after each one. Each endpoint reads "vs bare" and
"vs Django" against them; the ``bare`` row's "vs Django" is what the middleware
stack costs by itself.

`--compare <git-ref>` measures a before and an after in one run: the ref is
checked out into a throwaway `git worktree` under var/ (removed afterwards, also
on failure) and served by a third gunicorn (this tree's virtualenv, the ref's
code) against the same database and data set; the run refuses when the two
trees' migrations differ. Every endpoint then runs on both servers (the order
alternating each round) between the baseline runs, and a second table gives per
endpoint the req/s and ratio to the in-app bare view before and after, and the
change of that ratio (after / before).

`--profile` prints a cProfile of 20 in-process requests per endpoint and
`--explain` the EXPLAIN ANALYZE of each endpoint's queries under the RLS
setting, for the analysis of slow endpoints.
"""

import argparse
import contextlib
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
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
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
BELOW_TARGET = 0.35  # issue 11: no read endpoint below 0.35 of the in-app bare view's requests/s
MAX_LOSS = 0.75  # issue 11: nor below three quarters of its ratio before (--compare)
BASELINES = ("bare", "bare-django")


@dataclass
class Endpoint:
    key: str
    label: str
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    available: bool = True
    optional: bool = False  # left out of the load when one request takes longer than --slow-limit
    served_by: str = "app"  # "bare-django": the bare Django project's server
    note: str = ""
    in_process_ms: float | None = None
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
    ratio_to_bare_django: float | None = None
    errors: int = 0
    before_runs: list[dict] = field(default_factory=list)  # --compare: the same endpoint on the ref's server
    before_note: str = ""
    before_rps: float | None = None
    before_ratio_to_bare: float | None = None
    change: float | None = None  # ratio_to_bare / before_ratio_to_bare


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20, help="wrk seconds per endpoint and round (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are reported (default 3)")
    parser.add_argument("--warmup", type=float, default=2, help="wrk seconds per endpoint before round 1 (0: none)")
    parser.add_argument(
        "--bare-duration", type=float, default=8, help="wrk seconds of each bare run between endpoints (default 8)"
    )
    parser.add_argument("--noise", type=int, default=0, help="noise tenants of the same size, interleaved")
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts per tenant (default 10,000)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--industry", default="Healthcare", help="industry for the filtered list")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys to run (the baselines always run)")
    parser.add_argument(
        "--compare", metavar="GIT_REF", default="", help="also serve this git ref and compare before/after in one run"
    )
    parser.add_argument("--contacts", type=int, default=10, help="contacts per account (default 10)")
    parser.add_argument(
        "--activities", type=int, default=1_000_000, help="activities of the bench tenant (default 1,000,000)"
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each endpoint's queries")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of 20 in-process requests each")
    parser.add_argument(
        "--slow-limit",
        type=float,
        default=2.0,
        help="seconds one in-process request of an optional page (ICP, Personas) may take to be loaded (default 2)",
    )
    parser.add_argument("--no-timed", action="store_true", help="skip the timed import and fit-scoring steps")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    return parser.parse_args(argv)


def say(message: str = "") -> None:
    print(message, flush=True)


def migrate(owner_url: str) -> None:
    env = {**os.environ, **SERVE_ENV, "DATABASE_URL": owner_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)


def owner_sql(owner_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(owner_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


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


@dataclass
class Targets:
    raw_key: str
    cookie: str
    account_id: int  # the API account detail: the middle account by creation
    page_account_id: int  # the account page: a tier-1 account (richest committee), with a child if any
    contact_id: int  # the API contact detail: a contact of the middle account
    in_industry: int
    committee: str  # what the account page's committee map shows


def credentials(data, industry: str) -> Targets:
    """An API key, the cookies a browser holds once signed in (session, CSRF) and the ids the
    endpoints need."""
    from django.conf import settings
    from django.test import Client

    from abs_platform.tenancy import services
    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from abs_platform.tenancy.models import ApiKey
    from accounts.models import Account, Contact
    from personas.models import CommitteeRequirement

    tenant, user = data.tenant, data.owner
    with tenant_context(tenant, user):
        ApiKey.objects.filter(tenant=tenant, name="bench").delete()
        _key, raw_key = services.api_key_create(name="bench", created_by=user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    response = client.get(f"/t/{tenant.slug}/accounts/")
    if response.status_code != 200:
        raise SystemExit(f"The Accounts page answered {response.status_code} for the bench user")
    if settings.CSRF_COOKIE_NAME not in client.cookies:
        raise SystemExit("The Accounts page set no CSRF cookie")
    with tenant_context(tenant), tenant_transaction(tenant):
        ids = list(Account.objects.order_by("created_at", "id").values_list("id", flat=True))
        in_industry = Account.objects.filter(industry=industry).count()
        account_id = ids[len(ids) // 2]
        contact_id = Contact.objects.filter(account_id=account_id).order_by("id").values_list("id", flat=True).first()
        tier_one = Account.objects.filter(tier__rank=1).select_related("tier").order_by("id")
        page_account = tier_one.filter(children__isnull=False).first() or tier_one.first()
        if page_account is None:
            raise SystemExit("No account is in tier 1: the data set has no tiers")
        required = CommitteeRequirement.objects.filter(tier_id=page_account.tier_id).count()
        contacts = Contact.objects.filter(account=page_account).count()
        children = Account.objects.filter(parent=page_account).count()
    if not in_industry:
        raise SystemExit(f"No account has the industry {industry!r}")
    if contact_id is None:
        raise SystemExit("The middle account has no contacts")
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items() if morsel.value)
    committee = (
        f"account {page_account.pk} ({page_account.tier.name}: {required} committee requirements, "
        f"{contacts} contacts, {children} child account(s))"
    )
    return Targets(raw_key, cookie, account_id, page_account.pk, contact_id, in_industry, committee)


def endpoints_for(slug: str, targets: Targets, industry: str) -> list[Endpoint]:
    api = {"Authorization": f"Api-Key {targets.raw_key}"}
    page = {"Cookie": targets.cookie}
    htmx = {"Cookie": targets.cookie, "HX-Request": "true"}
    return [
        Endpoint("bare", "BARE baseline (plain view, RLS)", "/bench/bare-accounts/", {}),
        Endpoint(
            "bare-django", "BARE Django project (no middleware)", "/bench/bare-accounts/", {}, served_by="bare-django"
        ),
        Endpoint("api-list", "API account list (first page)", "/api/v1/accounts/", api),
        Endpoint(
            "api-list-industry", f"API account list, industry={industry}", f"/api/v1/accounts/?industry={industry}", api
        ),
        Endpoint("api-detail", "API account detail", f"/api/v1/accounts/{targets.account_id}/", api),
        Endpoint("contact-list", "API contact list (first page)", "/api/v1/contacts/", api),
        Endpoint("contact-detail", "API contact detail", f"/api/v1/contacts/{targets.contact_id}/", api),
        Endpoint("fragment-list", "Dashboard account list fragment (htmx)", f"/t/{slug}/api/accounts/", htmx),
        Endpoint("accounts-page", "Accounts page shell", f"/t/{slug}/accounts/", page),
        Endpoint(
            "account-page", "Account page (first response)", f"/t/{slug}/accounts/{targets.page_account_id}/", page
        ),
        Endpoint(
            "account-committee",
            "Account page: committee map (loaded after)",
            f"/t/{slug}/accounts/{targets.page_account_id}/?part=committee",
            htmx,
        ),
        Endpoint(
            "account-hierarchy",
            "Account page: hierarchy (loaded after)",
            f"/t/{slug}/accounts/{targets.page_account_id}/?part=hierarchy",
            htmx,
        ),
        Endpoint("scorecard-page", "Dashboard: programme scorecard", f"/t/{slug}/dashboard/?view=leader", page),
        *(
            Endpoint(f"metric-{name}", f"Metric API: {name} (90 days)", f"/api/v1/metrics/{name}/?period=90d", api)
            for name in ("coverage", "engagement", "activity", "marketing", "funnel", "pipeline", "lifecycle", "plays")
        ),
        Endpoint("icp-page", "ICP page", f"/t/{slug}/icp/", page, optional=True),
        Endpoint("personas-page", "Personas page", f"/t/{slug}/personas/", page, optional=True),
    ]


def count_queries(endpoints: list[Endpoint], tenant, args) -> None:
    """One request per endpoint in-process (after one warm-up request), with the headers wrk sends: its
    queries, its time (an optional page slower than --slow-limit is left out of the load) and, on request,
    the EXPLAIN ANALYZE of its queries and a cProfile of one more request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction

    for endpoint in endpoints:
        if not endpoint.available:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        started = perf_counter()
        client.get(endpoint.path, headers=endpoint.headers)
        first_ms = (perf_counter() - started) * 1000
        started = perf_counter()
        response = client.get(endpoint.path, headers=endpoint.headers)
        endpoint.in_process_ms = (perf_counter() - started) * 1000
        if endpoint.optional and min(first_ms, endpoint.in_process_ms) > args.slow_limit * 1000:
            endpoint.available = False
            endpoint.note = (
                f"not loaded: one request took {endpoint.in_process_ms / 1000:.1f}s in-process "
                f"(limit --slow-limit {args.slow_limit:g}s)"
            )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(endpoint.path, headers=endpoint.headers)
        if response.status_code != 200:
            raise SystemExit(f"{endpoint.path} answered {response.status_code} in-process")
        endpoint.sql = [query["sql"] for query in captured.captured_queries]
        endpoint.queries = sum(1 for sql in endpoint.sql if sql.split(None, 1)[0].upper() not in TRANSACTION_CONTROL)
        if args.explain:
            with tenant_context(tenant), tenant_transaction(tenant), connection.cursor() as cursor:
                for sql in endpoint.sql:
                    if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "set_config" not in sql:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        endpoint.explain.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
        if args.profile:
            profile = profile_requests(client, endpoint)
            say(f"\n--- cProfile of {PROFILE_REQUESTS} requests: {endpoint.key} {endpoint.path}\n{profile}")


PROFILE_REQUESTS = 20


def profile_requests(client, endpoint: Endpoint, lines: int = 60) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILE_REQUESTS):
        client.get(endpoint.path, headers=endpoint.headers)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(40)
    return out.getvalue()


def check_served(servers: dict, endpoints: list[Endpoint]) -> None:
    """One request per endpoint to the server that runs it; with --compare, to the ref's server too (an endpoint
    it does not answer with 200 runs on this tree's alone, and the table says so)."""
    from bench.server import get

    before = servers.get("before")
    for endpoint in endpoints:
        if not endpoint.available:
            continue
        status, _headers, body = get(servers[endpoint.served_by].port, endpoint.path, endpoint.headers)
        endpoint.status, endpoint.bytes = status, len(body)
        if status != 200:
            raise SystemExit(f"{endpoint.path} answered {status} from gunicorn: {body[:300]!r}")
        if before is not None and endpoint.key not in BASELINES:
            status, _headers, body = get(before.port, endpoint.path, endpoint.headers)
            if status != 200:
                endpoint.before_note = f"the --compare tree answered {status}: not compared"


def compared(endpoint: Endpoint, servers: dict) -> bool:
    return "before" in servers and endpoint.key not in BASELINES and not endpoint.before_note


def drain(server, limit: float = 120) -> float:
    """Wait until gunicorn has worked off the requests wrk left queued when it stopped (a slow endpoint
    leaves up to --connections of them), so that they do not eat into the next endpoint's run: its health
    path must answer within 0.2 s twice in a row. Returns the seconds waited."""
    from bench.server import get

    started = deadline = time.monotonic()
    deadline += limit
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        sent = time.monotonic()
        with contextlib.suppress(OSError):
            get(server.port, server.health_path, timeout=limit)
        quick = quick + 1 if time.monotonic() - sent < 0.2 else 0
    return time.monotonic() - started


def run_rounds(servers: dict, endpoints: list[Endpoint], args) -> None:
    from bench import wrk

    live = [e for e in endpoints if e.available]
    options = {"threads": args.threads, "connections": args.connections}
    if args.warmup > 0:
        say(f"Warm-up: {args.warmup:g}s per endpoint and server…")
        for endpoint in live:
            for server in (servers[endpoint.served_by], servers["before"] if compared(endpoint, servers) else None):
                if server is not None:
                    wrk.run(server.base_url + endpoint.path, endpoint.headers, duration=args.warmup, **options)
                    drain(server)
    bare, bare_django = (next(e for e in live if e.key == key) for key in BASELINES)
    others = [e for e in live if e.key not in BASELINES]

    def baselines(round_number: int) -> dict:
        """Both baselines, one after the other; each run also records the other's, for their own ratio."""
        runs = {
            e.key: _run_once(servers[e.served_by], e, e.runs, round_number, args, options, args.bare_duration)
            for e in (bare, bare_django)
        }
        runs["bare"]["bare_django_rps"] = runs["bare-django"]["rps"]
        runs["bare-django"]["bare_rps"] = runs["bare"]["rps"]
        return {key: run["rps"] for key, run in runs.items()}

    for round_number in range(args.repeat):
        # The baselines run before the first endpoint and after each one, so each endpoint's ratio compares
        # it with the baseline runs on either side of it (seconds apart), not with one run minutes away:
        # these machines drift by ±30 % within a round. The order rotates each round; with --compare, the
        # before and after servers swap places each round.
        shift = round_number % len(others) if others else 0
        beside = baselines(round_number)
        for endpoint in others[shift:] + others[:shift]:
            sides = [(servers["app"], endpoint.runs)]
            if compared(endpoint, servers):
                sides.append((servers["before"], endpoint.before_runs))
                if round_number % 2:
                    sides.reverse()
            new_runs = [
                _run_once(server, endpoint, into, round_number, args, options, args.duration) for server, into in sides
            ]
            after = baselines(round_number)
            for run in new_runs:
                run["bare_rps"] = (beside["bare"] + after["bare"]) / 2
                run["bare_django_rps"] = (beside["bare-django"] + after["bare-django"]) / 2
            beside = after


def _run_once(server, endpoint: Endpoint, runs: list, round_number: int, args, options, duration: float) -> dict:
    from bench import wrk

    result = wrk.run(server.base_url + endpoint.path, endpoint.headers, duration=duration, **options)
    waited = drain(server)
    errors = result.non_2xx_3xx + result.socket_errors
    run = {
        "round": round_number + 1,
        "rps": result.requests_per_second,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "requests": result.requests,
        "non_2xx_3xx": result.non_2xx_3xx,
        "socket_errors": result.socket_errors,
    }
    runs.append(run)
    name = endpoint.key + (" (before)" if runs is endpoint.before_runs else "")
    say(
        f"  round {round_number + 1}/{args.repeat}  {name:<27} {result.requests_per_second:9.1f} req/s"
        f"  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:8.2f} ms"
        + (f"  ERRORS {errors}" if errors else "")
        + (f"  (backlog drained in {waited:.1f}s)" if waited > 1 else "")
    )
    return run


def _median_ratio(runs: list[dict], baseline: str) -> float | None:
    ratios = [run["rps"] / run[baseline] for run in runs if run.get(baseline)]
    return statistics.median(ratios) if ratios else None


def summarize(endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        if not endpoint.runs:
            continue
        endpoint.rps = statistics.median(run["rps"] for run in endpoint.runs)
        endpoint.p50_ms = statistics.median(run["p50_ms"] for run in endpoint.runs)
        endpoint.p99_ms = statistics.median(run["p99_ms"] for run in endpoint.runs)
        endpoint.errors = sum(run["non_2xx_3xx"] + run["socket_errors"] for run in endpoint.runs)
        endpoint.ratio_to_bare = 1.0 if endpoint.key == "bare" else _median_ratio(endpoint.runs, "bare_rps")
        endpoint.ratio_to_bare_django = (
            1.0 if endpoint.key == "bare-django" else _median_ratio(endpoint.runs, "bare_django_rps")
        )
        if endpoint.before_runs:
            endpoint.before_rps = statistics.median(run["rps"] for run in endpoint.before_runs)
            endpoint.before_ratio_to_bare = _median_ratio(endpoint.before_runs, "bare_rps")
            if endpoint.ratio_to_bare and endpoint.before_ratio_to_bare:
                endpoint.change = endpoint.ratio_to_bare / endpoint.before_ratio_to_bare


def _num(value, spec: str, width: int = 8) -> str:
    return "-".rjust(width) if value is None else format(value, spec)


def below_target(e: Endpoint) -> bool:
    return e.key not in BASELINES and e.ratio_to_bare is not None and e.ratio_to_bare < BELOW_TARGET


def lost_too_much(e: Endpoint) -> bool:
    return e.change is not None and e.change < MAX_LOSS


def print_table(endpoints: list[Endpoint]) -> None:
    header = (
        f"{'endpoint':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'bytes':>8} {'vs bare':>8} "
        f"{'vs Django':>9}"
    )
    say(header)
    say("-" * len(header))
    for e in endpoints:
        if not e.available:
            say(f"{e.label:<42} {e.note}")
            continue
        if e.rps is None:
            continue
        flag = f"  < {BELOW_TARGET} bare" if below_target(e) else ""
        errors = f"  ({e.errors} errors)" if e.errors else ""
        say(
            f"{e.label:<42} {e.rps:8.1f} {e.p50_ms:8.2f} {e.p99_ms:8.2f} {_num(e.queries, '8d')} "
            f"{_num(e.bytes, '8d')} {_num(e.ratio_to_bare, '8.2f')} {_num(e.ratio_to_bare_django, '9.2f', 9)}"
            f"{flag}{errors}"
        )


def print_comparison(endpoints: list[Endpoint], ref: str) -> None:
    header = f"{'endpoint':<42} {'before req/s':>12} {'vs bare':>8} {'after req/s':>12} {'vs bare':>8} {'change':>8}"
    say(f"\nBefore ({ref}) and after (this tree), each against this tree's in-app bare view:")
    say(header)
    say("-" * len(header))
    for e in endpoints:
        if not e.available or e.key in BASELINES or e.rps is None:
            continue
        if e.before_note:
            say(f"{e.label:<42} {e.before_note}")
            continue
        flag = f"  lost more than {1 - MAX_LOSS:.0%} of its ratio" if lost_too_much(e) else ""
        say(
            f"{e.label:<42} {_num(e.before_rps, '12.1f', 12)} {_num(e.before_ratio_to_bare, '8.2f')} "
            f"{e.rps:12.1f} {_num(e.ratio_to_bare, '8.2f')} {_num(e.change, '8.2f')}{flag}"
        )


class QueryCounter:
    """Counts the statements that do work, without rendering their SQL with parameters as
    CaptureQueriesContext does (with psycopg 3 that costs seconds on a bulk write of 10,000 rows)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.split(None, 1)[0].upper() not in TRANSACTION_CONTROL:
            self.count += 1
        return execute(sql, params, many, context)


def timed_fit_scoring(data) -> dict:
    """The bulk recomputation the icp.fit_scores_recompute task runs (icp.services.fit_scores_run), in-process,
    twice: the first scoring of every account, then again with nothing changed."""
    from django.db import connection

    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from accounts.models import Account
    from icp import selectors, services

    tenant = data.tenant
    with tenant_context(tenant, data.owner):
        with tenant_transaction(tenant):
            criteria = len(selectors.active_criteria_specs())
            accounts = Account.objects.count()
        runs = []
        for label in ("first", "again"):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = perf_counter()
                result = services.fit_scores_run()
                seconds = perf_counter() - started
            queries = counter.count
            runs.append({"run": label, "seconds": round(seconds, 2), "queries": queries, "result": result})
        with tenant_transaction(tenant):
            scored = Account.objects.filter(fit_score__isnull=False).count()
    return {"accounts": accounts, "criteria": criteria, "scored": scored, "runs": runs}


def format_fit_scoring(result: dict) -> str:
    first, again = result["runs"]
    return (
        f"Fit scoring of {result['accounts']:,} accounts against the active ICP ({result['criteria']} criteria; "
        f"icp.services.fit_scores_run, what the icp.fit_scores_recompute task runs): first run "
        f"{first['seconds']:.2f}s ({result['accounts'] / first['seconds']:,.0f} accounts/s, "
        f"{first['result'].get('changed', 0):,} written with history, {first['queries']} queries, tiers "
        f"{first['result'].get('tiers')}); again with nothing changed {again['seconds']:.2f}s "
        f"({again['result'].get('changed', 0):,} written, {again['queries']} queries); {result['scored']:,} scored."
    )


def git(*args: str, cwd: Path = ROOT) -> str:
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
    return completed.stdout


@contextlib.contextmanager
def checkout(ref: str):
    """``ref`` in a throwaway git worktree under var/, removed afterwards (also on failure)."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    path = ROOT / "var" / f"bench-compare-{os.getpid()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    git("worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path, commit
    finally:
        git("worktree", "remove", "--force", str(path))


def migration_files(tree: Path) -> dict[str, bytes]:
    """The migration modules of a tree (tracked or not), by path."""
    names = git("ls-files", "--cached", "--others", "--exclude-standard", "--", "*/migrations/*.py", cwd=tree).split()
    return {name: (tree / name).read_bytes() for name in names if (tree / name).is_file()}


def check_same_schema(before: Path, ref: str) -> None:
    """The two trees share one database: refuse when their migrations differ."""
    ours, theirs = migration_files(ROOT), migration_files(before)
    differing = sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))
    if differing:
        raise SystemExit(
            f"--compare {ref}: its migrations differ from this tree's ({', '.join(differing)}); the two trees "
            "cannot be served against one database, so there is nothing to compare."
        )


def main(argv=None) -> int:
    args = parse_args(argv)
    app_url, owner_url = os.environ.get("DATABASE_URL", ""), os.environ.get("DATABASE_OWNER_URL", "")
    if not app_url.startswith("postgres") or not owner_url:
        raise SystemExit(
            "Run through `make bench` (scripts/with-services.sh sets DATABASE_URL and DATABASE_OWNER_URL)."
        )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops gunicorn
    os.environ.update(SERVE_ENV)
    sys.path.insert(0, str(ROOT))
    with contextlib.ExitStack() as cleanup:
        before = None
        if args.compare:
            before, commit = cleanup.enter_context(checkout(args.compare))
            check_same_schema(before, args.compare)
            args.compare_commit = commit
            say(f"--compare {args.compare}: commit {commit[:12]} checked out under var/, with the same migrations.")
        return bench(args, before, app_url, owner_url)


def bench(args, before: Path | None, app_url: str, owner_url: str) -> int:
    """Steps 1-7 of the module docstring; ``before`` is the checkout of --compare, if any."""
    started, wall_start, load_before = time.monotonic(), datetime.now(UTC), os.getloadavg()
    phase = time.monotonic()
    migrate(owner_url)
    say(f"Migrated as the owner ({time.monotonic() - phase:.1f}s).")

    import django

    # No collectstatic here (STATICFILES_BACKEND is the plain storage): whitenoise's warning about it is noise.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from bench import dataset
    from bench.server import Gunicorn

    data = dataset.build(
        accounts=args.accounts, noise=args.noise, contacts_per_account=args.contacts, activities=args.activities
    )
    phase = time.monotonic()
    owner_sql(owner_url, "VACUUM ANALYZE")
    vacuum_seconds = time.monotonic() - phase
    phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in data.phases.items())
    say(
        f"Data set {'built' if data.built else 'reused'} in {data.seconds:.1f}s ({phases}; + VACUUM ANALYZE "
        f"{vacuum_seconds:.1f}s): tenant '{data.tenant.slug}' with {args.accounts:,} accounts and "
        f"{data.contacts_per_tenant:,} contacts, default tiers, 6 personas with committees, an active ICP; "
        f"{args.noise} noise tenant(s) of the same shape."
    )
    say(check_rls(data.tenant))

    targets = credentials(data, args.industry)
    endpoints = endpoints_for(data.tenant.slug, targets, args.industry)
    if args.only:
        wanted = {*BASELINES, *args.only.split(",")}
        endpoints = [e for e in endpoints if e.key in wanted]
    count_queries(endpoints, data.tenant, args)
    say(
        f"Queries per request counted in-process (each includes the RLS set_config; BEGIN/COMMIT not counted); "
        f"industry {args.industry!r} has {targets.in_industry} accounts; the account page shows "
        f"{targets.committee}."
    )
    say(
        "One in-process request: "
        + ", ".join(f"{e.key} {e.in_process_ms:.0f} ms" for e in endpoints if e.in_process_ms is not None)
    )
    for e in endpoints:
        if e.note:
            say(f"{e.key}: {e.note}")
    if args.explain:
        for e in endpoints:
            for plan in e.explain:
                say(f"\n--- {e.key}\n{plan}")

    serve_env = {**os.environ, **SERVE_ENV, "DATABASE_URL": app_url}
    servers = {
        "app": Gunicorn(env=serve_env, workers=args.workers, log_path=RESULTS_DIR / "gunicorn.log"),
        "bare-django": Gunicorn(
            env={**serve_env, "DJANGO_SETTINGS_MODULE": "bench.settings_bare"},
            workers=args.workers,
            log_path=RESULTS_DIR / "gunicorn-bare-django.log",
            health_path="/bench/bare-accounts/",
        ),
    }
    if before is not None:
        servers["before"] = Gunicorn(
            env={**serve_env, "PYTHONPATH": str(before)},
            workers=args.workers,
            log_path=RESULTS_DIR / "gunicorn-before.log",
            root=before,
        )
    try:
        for name, server in servers.items():
            server.start()
            say(f"gunicorn ({name}): {args.workers} sync workers on {server.base_url}")
        check_served(servers, endpoints)
        wrk_line = f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency"
        say(f"Load: {wrk_line}, {args.repeat} interleaved round(s)")
        run_rounds(servers, endpoints, args)
    finally:
        for server in servers.values():
            server.stop()

    summarize(endpoints)
    load_elapsed = time.monotonic() - started
    say()
    say(
        f"Medians of {args.repeat} round(s); 'vs bare' and 'vs Django' are the medians of each run's ratio to the "
        "runs of the in-app bare view and of the bare Django project just before and after it (the bare row's "
        "'vs Django': what the product's middleware stack costs by itself)."
    )
    print_table(endpoints)
    if args.compare:
        print_comparison(endpoints, args.compare)
    slow = [e for e in endpoints if below_target(e)]
    if slow:
        say(f"\nBelow {BELOW_TARGET} of the in-app bare view: {', '.join(e.key for e in slow)}")
    lost = [e for e in endpoints if lost_too_much(e)]
    if lost:
        say(f"\nLost more than {1 - MAX_LOSS:.0%} of their ratio to the bare view: {', '.join(e.key for e in lost)}")
    bare = next(e for e in endpoints if e.key == "bare")
    bare_rps = [run["rps"] for run in bare.runs]
    if len(bare_rps) > 1 and max(bare_rps) > 1.3 * min(bare_rps):
        say(
            f"Note: the bare view ranged {min(bare_rps):.0f}-{max(bare_rps):.0f} req/s across its runs; the machine "
            "drifted, so treat absolute figures as indicative (ratios pair each run with the bare runs beside it). "
            "More --repeat helps."
        )
    load_after = os.getloadavg()

    timed: dict = {}
    if not args.no_timed:
        from bench import import_bench

        say("\nTimed steps (in-process, not wrk):")
        timed["contact_import"] = import_bench.run()
        say(import_bench.format_result(timed["contact_import"]))
        timed["fit_scoring"] = timed_fit_scoring(data)
        say(format_fit_scoring(timed["fit_scoring"]))
    elapsed = time.monotonic() - started
    say(
        f"\nTotal run time {elapsed:.0f}s ({load_elapsed:.0f}s up to the table). Load average before "
        f"{load_before[0]:.2f}, after {load_after[0]:.2f} "
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
            "compare": {"ref": args.compare, "commit": args.compare_commit} if args.compare else None,
        },
        "dataset": {
            "tenant": data.tenant.slug,
            "accounts_per_tenant": args.accounts,
            "noise_tenants": args.noise,
            "contacts_per_tenant": data.contacts_per_tenant,
            "build_seconds": round(data.seconds, 1),
            "build_phases": {name: round(seconds, 1) for name, seconds in data.phases.items()},
            "vacuum_analyze_seconds": round(vacuum_seconds, 1),
            "account_page": targets.committee,
        },
        "timed": timed,
        "endpoints": [
            {k: v for k, v in asdict(e).items() if k != "headers"} | {"auth": sorted(e.headers)} for e in endpoints
        ],
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    say(f"Results: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

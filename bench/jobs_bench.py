"""The scheduled checks at scale: `make bench-jobs` (docs/benchmarks.md, "The jobs at scale").

Runs inside scripts/with-services.sh. Builds ``--workspaces`` workspaces of ``--contacts`` contacts and one of
``--big`` contacts (10 per account; default 100 × 10,000 + 200,000), with the bench's tiers, personas and
committees: accounts and contacts by one ``INSERT … SELECT generate_series`` per workspace and table, as the
database superuser (no history rows). Then queues a coverage and a data-decay check job per workspace and runs
them on one real ``celery worker`` process (solo pool), twice: the first run marks and opens everything, the
second finds nothing new. Reports wall time per run, the worker's peak RSS, and the ratio of each coverage run
to one hand-written SQL aggregate computing the same per-account persona coverage, whose numbers must equal
what the jobs stored (a mismatch is printed loudly and fails the run).

Shares (by a hash of the row number): 30 % of accounts are targets, of which 10 % tier 1, 30 % tier 2 and the
rest tier 3; 85 % have their required fields; firmographics verified 0–540 days ago (one in ten never);
contacts 92 % active, 4 % bounced, 4 % left the company; verified 0–455 days ago (one in 25 never: with the
inactive ones about 30 % stale, as ~20 % a year of decay leaves it);
a persona for 60 % of contacts.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abs_platform.settings")

ACCOUNT_SQL = """
INSERT INTO accounts_account (tenant_id, name, domain, website, industry, employee_count, annual_revenue, country,
    headquarters, is_target, tier_id, owner_id, last_verified_on, status, fit_score,
    created_at, updated_at, {extra_columns})
SELECT %(tenant)s, 'Account ' || n, 'a' || n || '.example', '', CASE WHEN n %% 20 < 17 THEN 'Software' ELSE '' END,
    CASE WHEN n %% 20 < 17 THEN 500 END, NULL, CASE WHEN n %% 20 < 17 THEN 'DE' ELSE '' END, '',
    n %% 10 < 3,
    CASE WHEN n %% 10 >= 3 THEN NULL WHEN n %% 100 < 1 THEN %(tier1)s WHEN n %% 100 < 10 THEN %(tier2)s
        ELSE %(tier3)s END,
    %(owner)s, CASE WHEN n %% 10 = 9 THEN NULL ELSE current_date - (n * 7919 %% 540) END, 'prospect', 0,
    now() - interval '800 days', now(), {extra_values}
FROM generate_series(1, %(accounts)s) AS n
"""
CONTACT_SQL = """
INSERT INTO accounts_contact (tenant_id, account_id, first_name, last_name, email, phone, title, department,
    seniority, persona_id, status, last_verified_on, created_at, updated_at, {extra_columns})
SELECT a.tenant_id, a.id, 'First' || k, 'Last' || a.id, 'c' || a.id || '-' || k || '@example.com', '', 'Title', '',
    'other', (%(personas)s::bigint[])[1 + (a.id * 31 + k) %% 10],
    CASE WHEN (a.id + k * 13) %% 100 < 92 THEN 'active' WHEN (a.id + k * 13) %% 100 < 96 THEN 'bounced'
        ELSE 'left_company' END,
    CASE WHEN (a.id * 7 + k) %% 25 = 0 THEN NULL ELSE current_date - ((a.id * 104729 + k * 7919) %% 456)::int END,
    now() - interval '800 days', now(), {extra_values}
FROM accounts_account a CROSS JOIN generate_series(1, %(per_account)s) AS k
WHERE a.tenant_id = %(tenant)s
"""
# The hand-written aggregate: per target account, the required committee and how many requirements have enough
# current contacts (active, verified within 365 days) of their persona.
AGGREGATE_SQL = """
WITH current_contacts AS (
    SELECT account_id, persona_id, count(*) AS n FROM accounts_contact
    WHERE status = 'active' AND last_verified_on >= current_date - 365 AND persona_id IS NOT NULL
    GROUP BY account_id, persona_id)
SELECT a.id, count(r.id), count(r.id) FILTER (WHERE coalesce(c.n, 0) >= r.min_contacts)
FROM accounts_account a
JOIN personas_committeerequirement r ON r.tier_id = a.tier_id
LEFT JOIN current_contacts c ON c.account_id = a.id AND c.persona_id = r.persona_id
WHERE a.is_target
GROUP BY a.id
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=100, help="workspaces of --contacts (default 100)")
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts per workspace (default 10,000)")
    parser.add_argument("--big", type=int, default=200_000, help="contacts of the one big workspace (default 200,000)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "jobs.json")
    return parser.parse_args(argv)


def say(message: str = "") -> None:
    print(message, flush=True)


def extra(model, given: str) -> tuple[str, str, list]:
    """The model's other NOT NULL columns and their defaults, for the INSERTs above."""
    from django.db.models import JSONField

    names = {name.strip() for name in given.split(",")}
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in names or field.null or field.primary_key:
            continue
        default = field.get_default()
        columns.append(field.column)
        values.append(repr(json.dumps(default)) if isinstance(field, JSONField) else _literal(default))
    return ", ".join(columns), ", ".join(values), columns


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value if value is not None else "").replace("'", "''") + "'"


def build(args, superuser_url: str) -> list:
    import psycopg

    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from accounts.models import Account, Contact
    from bench.dataset import _setup_tenant, _tenant_with_members
    from icp.models import Tier
    from personas.models import Persona

    sizes = [("jobs-big", args.big)] + [(f"jobs-{n:03}", args.contacts) for n in range(args.workspaces)]
    account_sql = ACCOUNT_SQL.split("SELECT")[0]
    account_cols, account_values, _ = extra(Account, account_sql[account_sql.index("(") + 1 :])
    contact_sql = CONTACT_SQL.split("SELECT")[0]
    contact_cols, contact_values, _ = extra(Contact, contact_sql[contact_sql.index("(") + 1 :])
    accounts_insert = ACCOUNT_SQL.format(extra_columns=account_cols, extra_values=account_values)
    contacts_insert = CONTACT_SQL.format(extra_columns=contact_cols, extra_values=contact_values)
    tenants = []
    started = time.perf_counter()
    with psycopg.connect(superuser_url, autocommit=True) as conn:
        for slug, contacts in sizes:
            tenant, users = _tenant_with_members(slug, slug.title())
            _setup_tenant(tenant, users)
            with tenant_context(tenant), tenant_transaction(tenant):
                tiers = dict(Tier.objects.values_list("rank", "pk"))
                personas = list(Persona.objects.order_by("pk").values_list("pk", flat=True))
            persona_slots = (personas + [None] * 10)[:6] + [None] * 4  # 60 % of contacts have a persona
            conn.execute(
                accounts_insert,
                {
                    "tenant": tenant.pk,
                    "tier1": tiers[1],
                    "tier2": tiers[2],
                    "tier3": tiers[3],
                    "owner": users[0].pk,
                    "accounts": contacts // 10,
                },
            )
            conn.execute(contacts_insert, {"tenant": tenant.pk, "personas": persona_slots, "per_account": 10})
            tenants.append(tenant)
        conn.execute("VACUUM ANALYZE")
    say(
        f"Built {len(tenants)} workspaces, {sum(size for _, size in sizes):,} contacts in "
        f"{time.perf_counter() - started:.0f} s."
    )
    return tenants


def run_checks(tenants, broker_env: dict) -> dict:
    """Queue a coverage and a decay job per workspace and run them all on one worker process; wall time, how
    long the coverage jobs took (sum of their started → finished) and the worker's peak RSS."""

    from abs_platform.jobs.models import Job, JobStatus
    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import ops_transaction, tenant_transaction
    from checks import services

    started = time.perf_counter()
    since = datetime.now(UTC)
    for tenant in tenants:
        with tenant_context(tenant), tenant_transaction(tenant):
            services.coverage_check_enqueue()
            services.decay_check_enqueue()
    command = [sys.executable, "-m", "celery", "-A", "abs_platform", "worker", "--pool=solo", "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker = subprocess.Popen(command, cwd=ROOT, env=broker_env)
    peak_kb = 0
    try:
        while True:
            with ops_transaction():
                pending = Job.all_tenants.filter(
                    created_at__gte=since, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
                ).count()
            if not pending:
                break
            if worker.poll() is not None:
                raise SystemExit("The worker stopped.")
            peak_kb = max(peak_kb, _peak_rss_kb(worker.pid))
            time.sleep(0.5)
        wall = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait()
    with ops_transaction():
        jobs = Job.all_tenants.filter(created_at__gte=since)
        failed = list(jobs.filter(status=JobStatus.FAILED).values_list("kind", "error"))
        rows = list(jobs.values_list("kind", "started_at", "finished_at", "result", "tenant__slug"))
    if failed:
        raise SystemExit(f"Failed jobs: {failed[:3]}")
    run = {"wall_seconds": round(wall, 1), "peak_worker_rss_mb": round(peak_kb / 1024)}
    for kind in (services.COVERAGE_JOB_KIND, services.DECAY_JOB_KIND):
        spans = {slug: (finished - started).total_seconds() for k, started, finished, _, slug in rows if k == kind}
        run[f"{kind}_seconds"] = round(sum(spans.values()), 1)
        run[f"{kind}_big_seconds"] = round(spans["jobs-big"], 1)
        run[f"{kind}_totals"] = _sum([result for k, _, _, result, _ in rows if k == kind])
    return run


def _peak_rss_kb(pid: int) -> int:
    """The process's peak resident set so far (``VmHWM``), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _sum(rows: list[dict]) -> dict:
    totals: dict = {}
    for row in rows:
        for key, value in row.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def aggregate(superuser_url: str) -> tuple[float, dict]:
    import psycopg

    with psycopg.connect(superuser_url) as conn:
        started = time.perf_counter()
        rows = conn.execute(AGGREGATE_SQL).fetchall()
        seconds = time.perf_counter() - started
    return seconds, {account: (required, covered) for account, required, covered in rows}


def compare(superuser_url: str, expected: dict) -> int:
    """How many target accounts' stored coverage differs from the hand-written aggregate's."""
    import psycopg

    with psycopg.connect(superuser_url) as conn:
        stored = conn.execute(
            "SELECT account_id, personas_required, personas_covered FROM checks_coverageresult"
        ).fetchall()
    mismatches = [
        (account, required, covered, expected.get(account, (0, 0)))
        for account, required, covered in stored
        if (required, covered) != expected.get(account, (0, 0))
    ]
    missing = set(expected) - {account for account, _, _ in stored}
    if mismatches or missing:
        say("!" * 70)
        say(f"MISMATCH: {len(mismatches)} stored results differ from the aggregate, {len(missing)} are missing.")
        say(f"First: {mismatches[:5]} {sorted(missing)[:5]}")
        say("!" * 70)
    return len(mismatches) + len(missing)


def main(argv=None) -> int:
    args = parse_args(argv)
    from bench.run import migrate

    owner_url, superuser_url = os.environ["DATABASE_OWNER_URL"], os.environ["DATABASE_SUPERUSER_URL"]
    migrate(owner_url)
    import django

    django.setup()
    tenants = build(args, superuser_url)
    broker_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    report = {"workspaces": args.workspaces, "contacts": args.contacts, "big": args.big, "runs": []}
    for label in ("first run", "second run"):
        run = run_checks(tenants, broker_env)
        seconds, expected = aggregate(superuser_url)
        run.update(
            label=label,
            aggregate_seconds=round(seconds, 2),
            coverage_ratio=round(run["coverage_check_seconds"] / seconds, 1),
            big_coverage_ratio=round(run["coverage_check_big_seconds"] / seconds, 1),
            mismatches=compare(superuser_url, expected),
        )
        report["runs"].append(run)
        say(json.dumps(run))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if any(run["mismatches"] for run in report["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())

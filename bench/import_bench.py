"""Benchmark hook: import a 10,000-row contact CSV into a tenant with 10,000 accounts, timed.

``run()`` needs Django set up against the benchmark database (``bench/run.py``
does that); it uses its own tenant (``bench-import``) so that the HTTP
benchmark's data set keeps its shape. Each run removes the contacts of the
previous run, generates the CSV (10 % of rows name their account by an
``Account domain`` column, the others through their e-mail's domain, the way
CRM exports often look), then times, through the same services as the API:

* ``upload``: decode, sniff, parse and keep the file (``imports.batch_create``);
* ``dry_run``: plan every row (``imports.batch_dry_run``);
* ``commit``: plan again and write all rows with their history in one
  transaction (``imports.batch_commit``);
* ``dry_run_again``: the same file once imported, every row a skip.

Standalone: ``scripts/with-services.sh .venv/bin/python bench/import_bench.py [rows] [accounts]``.
"""

import random
import sys
import time
from pathlib import Path

SLUG = "bench-import"


def _ensure_tenant(accounts: int, seed: int):
    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from accounts.models import Account
    from bench import dataset

    tenant, users = dataset._tenant_with_members(SLUG, "Bench import")
    rng = random.Random(seed)
    with tenant_context(tenant), tenant_transaction(tenant):
        have = Account.objects.count()
    for start in range(have, accounts, dataset.BATCH):
        with tenant_context(tenant), tenant_transaction(tenant):
            Account.objects.bulk_create(
                dataset._new_accounts(tenant, users, start, min(start + dataset.BATCH, accounts), rng)
            )
    return tenant, users[0]


def contact_csv(domains: list[str], rows: int, seed: int = 11) -> bytes:
    """``rows`` contacts spread over the accounts with these ``domains``."""
    rng = random.Random(seed)
    titles = ["CFO", "VP Finance", "Head of IT", "Procurement manager", "CTO", "Engineer", "Marketing director"]
    lines = ["First name,Last name,E-mail,Account domain,Title,Seniority,Phone"]
    for index in range(rows):
        domain = domains[index % len(domains)]
        explicit = domain if rng.random() < 0.1 else ""
        seniority = rng.choice(["C-level", "Vice president", "Director", "Manager", ""])
        lines.append(
            f"Person{index},Example,person{index}@{domain},{explicit},{rng.choice(titles)},{seniority},"
            f"+1 555 {index:07d}"
        )
    return ("\n".join(lines) + "\n").encode()


def run(*, rows: int = 10_000, accounts: int = 10_000, seed: int = 7) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from accounts import imports
    from accounts.models import Account, Contact, ImportStatus

    tenant, user = _ensure_tenant(accounts, seed)
    with tenant_context(tenant, user):
        with tenant_transaction(tenant), connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{Contact._meta.db_table}" WHERE tenant_id = %s', [tenant.pk])
            domains = list(Account.objects.exclude(domain="").filter(parent=None).values_list("domain", flat=True))
        data = contact_csv(domains, rows)
        timings = {}

        started = time.perf_counter()
        with tenant_transaction(tenant):
            batch = imports.batch_create(kind="contacts", upload=SimpleUploadedFile("contacts.csv", data))
        timings["upload"] = time.perf_counter() - started

        started = time.perf_counter()
        with tenant_transaction(tenant):
            imports.batch_start(batch=batch, status=ImportStatus.VALIDATING)
            batch = imports.batch_dry_run(batch=batch)
        timings["dry_run"] = time.perf_counter() - started
        dry_counts = batch.report["counts"]

        started = time.perf_counter()
        imports.batch_start(batch=batch, status=ImportStatus.COMMITTING)
        batch = imports.batch_commit(batch=batch)
        timings["commit"] = time.perf_counter() - started

        with tenant_transaction(tenant):
            again = imports.batch_create(kind="contacts", upload=SimpleUploadedFile("contacts.csv", data))
        started = time.perf_counter()
        imports.batch_start(batch=again, status=ImportStatus.VALIDATING)
        again = imports.batch_dry_run(batch=again)
        timings["dry_run_again"] = time.perf_counter() - started
        with tenant_transaction(tenant):
            written = Contact.objects.filter(source="import").count()
    return {
        "rows": rows,
        "accounts": accounts,
        "bytes": len(data),
        "dry_run_counts": dry_counts,
        "written": batch.report.get("written", {}),
        "contacts_in_tenant": written,
        "again_counts": again.report["counts"],
        "seconds": {key: round(value, 2) for key, value in timings.items()},
        "rows_per_second_commit": round(rows / timings["commit"]),
    }


def format_result(result: dict) -> str:
    s = result["seconds"]
    return (
        f"Import of a {result['rows']:,}-row contact CSV ({result['bytes'] / 1e6:.1f} MB) into a tenant with "
        f"{result['accounts']:,} accounts: upload {s['upload']:.2f}s, dry run {s['dry_run']:.2f}s, "
        f"commit {s['commit']:.2f}s ({result['rows_per_second_commit']:,} rows/s, plan again + write with history), "
        f"second dry run {s['dry_run_again']:.2f}s. Dry run {result['dry_run_counts']}, written {result['written']}, "
        f"second dry run {result['again_counts']}."
    )


def main(argv=None) -> int:
    import os

    argv = sys.argv[1:] if argv is None else argv
    rows = int(argv[0]) if argv else 10_000
    accounts = int(argv[1]) if len(argv) > 1 else 10_000
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abs_platform.settings")
    owner_url = os.environ.get("DATABASE_OWNER_URL", "")
    if owner_url:
        from bench.run import migrate

        migrate(owner_url)
    import django

    django.setup()
    print(format_result(run(rows=rows, accounts=accounts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

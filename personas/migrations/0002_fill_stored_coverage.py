"""Fill each account's stored committee coverage (``Account.coverage_required`` / ``coverage_covered``), per
workspace under its row-level security setting, with the one definition (``personas.coverage``)."""

from django.db import migrations


def fill(apps, schema_editor):
    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction
    from abs_platform.tenancy.models import Tenant
    from personas.coverage import coverage_recount

    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant), tenant_transaction(tenant):
            coverage_recount()


class Migration(migrations.Migration):
    dependencies = [
        ("personas", "0001_initial"),
        ("accounts", "0015_account_stored_coverage"),
        # The models as they are now read the tables, so everything they name must exist.
        ("tenancy", "0004_api_key_revoked_by_invitation_revoked_at"),
        ("icp", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

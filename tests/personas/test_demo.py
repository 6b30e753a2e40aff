import pytest

from accounts.models import Contact, Opportunity, Signal
from personas.demo import load_demo
from personas.models import CommitteeRequirement, Persona
from tests.conftest import as_tenant, page_as_loaded
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_demo_data_is_complete_and_idempotent(tenant_a):
    for index in range(12):
        AccountFactory(tenant=tenant_a, name=f"{['Acme', 'Globex', 'Initech'][index % 3]} {index}")
    counts = load_demo(tenant_a, seed=5)
    assert counts["personas"] == 6
    assert counts["requirements"] == 9  # 5 + 3 + 1 over the three default tiers
    assert counts["children"] == 9  # three groups of four: three subsidiaries each
    with as_tenant(tenant_a):
        per_account = [
            Contact.objects.filter(account_id=pk).count()
            for pk in set(Contact.objects.values_list("account_id", flat=True))
        ]
        assert len(per_account) == 12
        assert min(per_account) >= 3 and max(per_account) <= 8
        assert Persona.objects.count() == 6
        assert CommitteeRequirement.objects.count() == 9
        # Most contacts match a persona automatically, with a reason.
        matched = Contact.objects.exclude(persona=None)
        assert matched.count() > Contact.objects.count() // 2
        assert not matched.filter(persona_match_reason="").exists()
        assert set(Contact.objects.values_list("status", flat=True)) >= {"active"}
        assert Contact.objects.filter(last_verified_on=None).exists()
        lost = Opportunity.objects.filter(stage="closed_lost")
        assert not lost.filter(lost_reason="").exists()
        assert Signal.objects.count() == counts["signals"]
        assert Contact.history.count() == counts["contacts"]
    assert load_demo(tenant_a, seed=5) == dict.fromkeys(counts, 0)


def test_load_demo_command_gives_accounts_committees_with_gaps(client):
    import io

    from django.core.management import call_command

    from abs_platform.tenancy.models import Tenant
    from accounts.models import Account
    from personas.coverage import accounts_with_coverage, workspace_coverage
    from tests.factories import UserFactory

    call_command("load_demo", accounts=20, stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="northwind")
    with as_tenant(tenant):
        annotated = accounts_with_coverage(Account.objects.all())
        assert annotated.filter(coverage_percent__isnull=False).count() > 10
        assert annotated.filter(coverage_gaps__gt=0).exists()
        shares = workspace_coverage()
        assert shares.accounts > 0
        account = annotated.filter(coverage_gaps__gt=0).order_by("name").first()
    client.force_login(UserFactory(username="sam"))
    html = page_as_loaded(client, f"/t/northwind/accounts/{account.pk}/")
    assert "<strong>Gaps:</strong>" in html

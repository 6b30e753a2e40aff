"""Contact freshness (accounts.freshness) with hand-computed values."""

from datetime import date

import pytest

from accounts.freshness import FRESHNESS_DAYS, current_q, freshness, freshness_cutoff, needs_verification
from accounts.models import Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

TODAY = date(2026, 6, 30)


def test_freshness_boundary_is_365_days():
    assert FRESHNESS_DAYS == 365
    assert freshness_cutoff(TODAY) == date(2025, 6, 30)


def test_needs_verification_is_never_or_outside_the_window_whatever_the_status():
    assert needs_verification(last_verified_on=date(2025, 6, 30), today=TODAY) is False
    assert needs_verification(last_verified_on=date(2025, 6, 29), today=TODAY) is True
    assert needs_verification(last_verified_on=None, today=TODAY) is True


@pytest.mark.django_db
def test_labels_and_current_contacts_in_one_query(tenant_a):
    account = AccountFactory(tenant=tenant_a)
    for first_name, status, verified in [
        ("boundary", "active", date(2025, 6, 30)),
        ("day-late", "active", date(2025, 6, 29)),
        ("never", "active", None),
        ("left", "left_company", TODAY),
        ("bounced", "bounced", TODAY),
    ]:
        ContactFactory(
            tenant=tenant_a, account=account, first_name=first_name, status=status, last_verified_on=verified
        )
    with as_tenant(tenant_a):
        labels = dict(Contact.objects.annotate(label=freshness(TODAY)).values_list("first_name", "label"))
        current = sorted(Contact.objects.filter(current_q(TODAY)).values_list("first_name", flat=True))
    assert labels == {
        "boundary": "current",
        "day-late": "stale",
        "never": "unverified",
        "left": "inactive",
        "bounced": "inactive",
    }
    assert current == ["boundary"]

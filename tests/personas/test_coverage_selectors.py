"""Coverage, defined once (personas.coverage): per account in one query (computed, and stored by the recount),
per requirement for the committee map, and the workspace figure, with hand-computed values."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from personas import coverage as selectors
from personas.coverage import Gap
from personas.templatetags.persona_labels import percent_of
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    PersonaFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)
FRESH = date(2026, 1, 1)
STALE = TODAY - timedelta(days=366)


@pytest.fixture
def world(tenant_a, tenant_b):
    tier1 = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    tier2 = TierFactory(tenant=tenant_a, rank=2, name="Tier 2")
    cfo = PersonaFactory(tenant=tenant_a, name="Finance leader")
    cio = PersonaFactory(tenant=tenant_a, name="IT leader")
    champ = PersonaFactory(tenant=tenant_a, name="Champion")
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier1, persona=cfo, min_contacts=1)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier1, persona=cio, min_contacts=2)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier1, persona=champ, min_contacts=1)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier2, persona=cfo, min_contacts=1)

    def account(name, tier, is_target=True):
        created = AccountFactory(tenant=tenant_a, name=name, is_target=is_target)
        with as_tenant(tenant_a):
            Account.objects.filter(pk=created.pk).update(tier=tier)
        return created

    partial = account("Partial", tier1)
    for persona, status, verified in [
        (cfo, "active", FRESH),
        (cio, "active", FRESH),
        (cio, "active", STALE),
        (cio, "left_company", FRESH),
        (champ, "active", None),
        (None, "active", FRESH),
    ]:
        ContactFactory(tenant=tenant_a, account=partial, persona=persona, status=status, last_verified_on=verified)
    full = account("Full", tier2)
    ContactFactory(tenant=tenant_a, account=full, persona=cfo, last_verified_on=TODAY - timedelta(days=365))
    empty = account("Empty", tier1)
    untiered = account("No tier", None)
    ContactFactory(tenant=tenant_a, account=untiered, persona=cfo, last_verified_on=FRESH)
    account("Not targeted", tier2, is_target=False)
    # Another workspace's rows never count.
    other_tier = TierFactory(tenant=tenant_b, rank=1)
    CommitteeRequirementFactory(tenant=tenant_b, tier=other_tier)
    return {"partial": partial, "full": full, "empty": empty, "untiered": untiered}


def test_recount_stores_the_figures(tenant_a, world):
    with as_tenant(tenant_a), CaptureQueriesContext(connection) as queries:
        written = selectors.coverage_recount(today=TODAY)
    assert len(queries) == 1
    # Partial, Full, Empty and "Not targeted" changed; "No tier" requires nothing, as stored when created.
    assert written == 4
    with as_tenant(tenant_a):
        rows = list(
            Account.objects.filter(is_target=True)
            .order_by("name")
            .values_list("name", "coverage_required", "coverage_covered", "coverage_gaps", "coverage_percent")
        )
        assert selectors.coverage_recount(today=TODAY) == 0  # nothing changed since
    assert rows == [
        ("Empty", 3, 0, 3, 0),
        ("Full", 1, 1, 0, 100),
        ("No tier", 0, 0, 0, None),
        ("Partial", 3, 1, 2, 33),
    ]


def test_computed_figures_in_one_query(tenant_a, world):
    with as_tenant(tenant_a), CaptureQueriesContext(connection) as queries:
        rows = list(
            selectors.accounts_with_coverage(Account.objects.filter(is_target=True), today=TODAY)
            .order_by("name")
            .values_list("name", "computed_required", "computed_covered")
        )
    assert len(queries) == 1
    assert rows == [("Empty", 3, 0), ("Full", 1, 1), ("No tier", 0, 0), ("Partial", 3, 1)]


def test_filters_on_stored_figures(tenant_a, world):
    with as_tenant(tenant_a):
        selectors.coverage_recount(today=TODAY)
        has_gaps = sorted(Account.objects.filter(coverage_gaps__gt=0).values_list("name", flat=True))
        at_least_70 = sorted(Account.objects.filter(coverage_percent__gte=70).values_list("name", flat=True))
    assert has_gaps == ["Empty", "Not targeted", "Partial"]
    assert at_least_70 == ["Full"]


def test_workspace_figure(tenant_a, world):
    with as_tenant(tenant_a):
        selectors.coverage_recount(today=TODAY)
    with as_tenant(tenant_a), CaptureQueriesContext(connection) as queries:
        shares = selectors.workspace_coverage()
    assert len(queries) == 1
    # Target accounts with a committee: Partial (1/3), Full (1/1), Empty (0/3); "No tier" has none.
    assert (shares.accounts, shares.complete, shares.good, shares.without_requirements) == (3, 1, 1, 1)


@pytest.mark.parametrize(
    ("part", "whole", "label"),
    [(1, 103, "<1 %"), (0, 103, "0 %"), (1, 3, "33 %"), (199, 200, "99 %"), (200, 200, "100 %"), (0, 0, "—")],
)
def test_shares_never_read_0_or_100_percent_when_they_are_not(part, whole, label):
    assert percent_of(part, whole) == label


def test_committee_requirements_count_current_contacts(tenant_a, world):
    """Stale, inactive, never-verified and persona-less contacts do not count; the gaps say how many more."""
    with as_tenant(tenant_a):
        partial = Account.objects.get(pk=world["partial"].pk)
    with as_tenant(tenant_a), CaptureQueriesContext(connection) as queries:
        requirements = list(selectors.committee_requirements(partial, today=TODAY))
        coverage = selectors.coverage_of(requirements)
    assert len(queries) == 1
    assert [(r.persona.name, r.min_contacts, r.current) for r in requirements] == [
        ("Champion", 1, 0),
        ("Finance leader", 1, 1),
        ("IT leader", 2, 1),
    ]
    assert (coverage.required, coverage.covered, coverage.percent, coverage.is_complete) == (3, 1, 33, False)
    assert coverage.ratio == Fraction(1, 3)
    champion, it_leader = requirements[0], requirements[2]
    assert coverage.gaps == [
        Gap(persona_id=champion.persona_id, persona_name="Champion", min_contacts=1, current=0, missing=1),
        Gap(persona_id=it_leader.persona_id, persona_name="IT leader", min_contacts=2, current=1, missing=1),
    ]


def test_committee_of_a_full_and_of_an_untiered_account(tenant_a, world):
    with as_tenant(tenant_a):
        full = selectors.coverage_of(
            list(selectors.committee_requirements(Account.objects.get(pk=world["full"].pk), today=TODAY))
        )
        untiered = selectors.coverage_of(
            list(selectors.committee_requirements(Account.objects.get(pk=world["untiered"].pk), today=TODAY))
        )
    # Verified exactly 365 days ago still counts.
    assert (full.required, full.covered, full.percent, full.gaps, full.is_complete) == (1, 1, 100, [], True)
    # Nothing required: undefined, never 0 % or 100 %.
    assert (untiered.required, untiered.covered, untiered.percent, untiered.ratio) == (0, 0, None, None)
    assert untiered.is_complete is False


def test_one_day_later_the_boundary_contact_is_stale(tenant_a, world):
    with as_tenant(tenant_a):
        later = selectors.coverage_of(
            list(
                selectors.committee_requirements(
                    Account.objects.get(pk=world["full"].pk), today=TODAY + timedelta(days=1)
                )
            )
        )
        selectors.coverage_recount(today=TODAY + timedelta(days=1))
        stored = Account.objects.get(pk=world["full"].pk)
    assert (later.covered, later.percent) == (0, 0)
    assert (stored.coverage_gaps, stored.coverage_percent) == (1, 0)

"""POST /api/v1/opportunities/bulk/ and /activities/bulk/: a JSON list validated with the single create's
serializer, written all or nothing, answered in order; the same events as single creates; a fixed query budget."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.jobs.models import Job
from accounts.models import Account, Activity, Opportunity
from icp.tasks import fit_scores_recompute
from tests.conftest import as_tenant, make_api_client
from tests.factories import AccountFactory, ContactFactory, CriterionFactory, IcpFactory

pytestmark = pytest.mark.django_db

# Queries of a bulk create whatever the number of items: session/key, lookups of each reference field, the
# inserts with their history, the read-back. Single creates cost several queries per item.
BULK_QUERY_BUDGET = 16


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", status="prospect")


@pytest.fixture
def globex(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Globex", domain="globex.com", status="prospect")


def deal(account, name, **fields):
    return {"account": account.pk, "name": name, "opened_on": "2026-01-10", **fields}


class TestOpportunities:
    def test_creates_all_in_order_with_history(self, api_a, tenant_a, owner_a, acme, globex):
        response = api_a.post(
            "/api/v1/opportunities/bulk/",
            [
                deal(globex, "Globex renewal", kind="renewal", amount="5000.50", stage="proposal"),
                deal(acme, "Acme pilot"),
            ],
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        keys = ("account", "account_name", "name", "kind", "amount", "stage", "is_open", "opened_on", "close_date")
        assert [{key: item[key] for key in keys} for item in body] == [
            {
                "account": globex.pk,
                "account_name": "Globex",
                "name": "Globex renewal",
                "kind": "renewal",
                "amount": "5000.50",
                "stage": "proposal",
                "is_open": True,
                "opened_on": "2026-01-10",
                "close_date": None,
            },
            {
                "account": acme.pk,
                "account_name": "Acme",
                "name": "Acme pilot",
                "kind": "new_logo",
                "amount": "0.00",
                "stage": "prospecting",
                "is_open": True,
                "opened_on": "2026-01-10",
                "close_date": None,
            },
        ]
        with as_tenant(tenant_a):
            created = list(Opportunity.objects.order_by("id").values_list("id", "name", "created_by"))
            history = list(Opportunity.history.order_by("id").values_list("id", "history_type", "history_user"))
        assert created == [(body[0]["id"], "Globex renewal", owner_a.pk), (body[1]["id"], "Acme pilot", owner_a.pk)]
        assert history == [(body[0]["id"], "+", owner_a.pk), (body[1]["id"], "+", owner_a.pk)]

    def test_item_errors_by_index_and_field_and_nothing_written(self, api_a, tenant_a, tenant_b, acme):
        foreign = AccountFactory(tenant=tenant_b, name="Other", domain="other.com")
        response = api_a.post(
            "/api/v1/opportunities/bulk/",
            [
                deal(acme, "Fine"),
                deal(acme, "Bad stage", stage="won"),
                deal(foreign, "Foreign", amount="-1"),
                {"name": "No account", "stage_name": "x"},
            ],
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "1": {"stage": ['"won" is not a valid choice.']},
            "2": {
                "account": [f"No account with id {foreign.pk} in this workspace."],
                "amount": ["Ensure this value is greater than or equal to 0."],
            },
            "3": {
                "stage_name": [
                    "Unknown field. Send only: account, name, kind, amount, stage, opened_on, close_date, lost_reason."
                ]
            },
        }
        with as_tenant(tenant_a):
            assert Opportunity.objects.count() == 0

    def test_model_rules_per_item(self, api_a, tenant_a, acme):
        response = api_a.post(
            "/api/v1/opportunities/bulk/",
            [
                deal(acme, "Fine"),
                deal(acme, "Lost", stage="closed_lost"),
                deal(acme, "Early", close_date="2026-01-09"),
                deal(acme, "Reason", lost_reason="Price", stage="proposal"),
            ],
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "1": {
                "lost_reason": ["Say why the deal was lost."],
                "close_date": ["A closed deal needs its close date."],
            },
            "2": {"close_date": ["The close date cannot be before the open date."]},
            "3": {"lost_reason": ["Only a closed-lost deal has a lost reason."]},
        }
        with as_tenant(tenant_a):
            assert Opportunity.objects.count() == 0

    def test_won_deals_make_customers_and_rescore_as_single_creates_do(self, api_a, tenant_a, owner_a, acme, globex):
        icp = IcpFactory(tenant=tenant_a, version=1, is_active=True)
        CriterionFactory(tenant=tenant_a, icp=icp, kind="existing_customer", params={}, weight=100)
        response = api_a.post(
            "/api/v1/opportunities/bulk/",
            [
                deal(acme, "Platform", stage="closed_won", close_date="2026-02-01"),
                deal(acme, "Add-on", stage="closed_won", close_date="2026-02-02"),
                deal(globex, "Open", stage="proposal"),
            ],
            format="json",
        )
        assert response.status_code == 201, response.json()
        with as_tenant(tenant_a):
            statuses = dict(Account.objects.values_list("name", "status"))
            reasons = list(Account.history.filter(id=acme.pk, status="customer").values_list("history_change_reason"))
            job = Job.objects.get(kind="icp.fit_recompute")
        assert statuses == {"Acme": "customer", "Globex": "prospect"}
        assert reasons == [("Deal “Platform” closed won",)]
        fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()
        with as_tenant(tenant_a):
            assert dict(Account.objects.values_list("name", "fit_score")) == {"Acme": 100, "Globex": 0}

    def test_limits(self, api_a, tenant_a, acme, settings):
        settings.API_BULK_MAX_ITEMS = 2
        too_many = api_a.post("/api/v1/opportunities/bulk/", [deal(acme, str(n)) for n in range(3)], format="json")
        assert (too_many.status_code, too_many.json()) == (
            400,
            {"non_field_errors": ["Send at most 2 objects at once; this list has 3."]},
        )
        for body in ([], {"account": acme.pk, "name": "Not a list"}):
            response = api_a.post("/api/v1/opportunities/bulk/", body, format="json")
            assert (response.status_code, response.json()) == (
                400,
                {"non_field_errors": ["Send a JSON list of at least one object."]},
            )

    def test_read_only_keys_and_viewers_may_not(self, api_a_read, tenant_a, acme, viewer_a, client):
        response = api_a_read.post("/api/v1/opportunities/bulk/", [deal(acme, "x")], format="json")
        assert (response.status_code, response.json()) == (403, {"detail": "This API key is read-only."})
        viewer = make_api_client(tenant_a, created_by=viewer_a)
        assert viewer.post("/api/v1/opportunities/bulk/", [deal(acme, "x")], format="json").status_code == 403

    def test_queries_do_not_grow_with_items(self, api_a, tenant_a, acme, globex):
        api_a.get("/api/v1/accounts/")  # the key and its member are cached from here on
        counts = []
        for size in (2, 40):
            won = AccountFactory(tenant=tenant_a, name=f"Won {size}", status="prospect")
            items = [deal(won, "Won", stage="closed_won", close_date="2026-02-01")]
            items += [deal(acme if n % 2 else globex, f"Deal {n}") for n in range(size - 1)]
            with CaptureQueriesContext(connection) as queries:
                assert api_a.post("/api/v1/opportunities/bulk/", items, format="json").status_code == 201
            counts.append(len(queries))
        assert counts[0] == counts[1] <= BULK_QUERY_BUDGET


class TestActivities:
    def test_creates_with_contact_owner_and_workspace_time(self, api_a, tenant_a, owner_a, member_a, acme, globex):
        tenant_a.time_zone = "Europe/Berlin"
        tenant_a.save()
        jane = ContactFactory(tenant=tenant_a, account=acme, first_name="Jane", last_name="Doe")
        response = api_a.post(
            "/api/v1/activities/bulk/",
            [
                {
                    "account": acme.pk,
                    "contact": jane.pk,
                    "channel": "meeting",
                    "direction": "inbound",
                    "occurred_at": "2026-03-02T09:30:00",
                    "subject": "Demo",
                    "owner": member_a.pk,
                },
                {"account": globex.pk, "channel": "email", "subject": "Intro", "occurred_at": "2026-03-02T08:00:00Z"},
            ],
            format="json",
        )
        assert response.status_code == 201, response.json()
        keys = ("account", "contact", "contact_name", "channel", "direction", "occurred_at", "subject", "owner")
        assert [{key: item[key] for key in keys} for item in response.json()] == [
            {
                "account": acme.pk,
                "contact": jane.pk,
                "contact_name": "Jane Doe",
                "channel": "meeting",
                "direction": "inbound",
                "occurred_at": "2026-03-02T08:30:00Z",
                "subject": "Demo",
                "owner": member_a.pk,
            },
            {
                "account": globex.pk,
                "contact": None,
                "contact_name": "",
                "channel": "email",
                "direction": "outbound",
                "occurred_at": "2026-03-02T08:00:00Z",
                "subject": "Intro",
                "owner": None,
            },
        ]
        with as_tenant(tenant_a):
            assert sorted(Activity.history.values_list("subject", "history_type", "history_user")) == [
                ("Demo", "+", owner_a.pk),
                ("Intro", "+", owner_a.pk),
            ]

    def test_model_rules_per_item(self, api_a, tenant_a, acme, globex, viewer_a):
        elsewhere = ContactFactory(tenant=tenant_a, account=globex, first_name="Gus")
        future = (timezone.now() + timedelta(hours=1)).astimezone(UTC).isoformat()
        response = api_a.post(
            "/api/v1/activities/bulk/",
            [
                {"account": acme.pk, "channel": "email", "subject": "Fine"},
                {"account": acme.pk, "contact": elsewhere.pk, "channel": "email", "subject": "Wrong contact"},
                {"account": acme.pk, "channel": "email", "subject": "Later", "occurred_at": future},
                {"account": acme.pk, "channel": "fax", "subject": "Fax", "owner": viewer_a.pk},
            ],
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "2": {"occurred_at": ["An activity cannot be in the future."]},
            "3": {
                "channel": ['"fax" is not a valid choice.'],
                "owner": [f"No member of this workspace who can own records has id {viewer_a.pk} (viewers cannot)."],
            },
        }
        fixed = api_a.post(
            "/api/v1/activities/bulk/",
            [
                {"account": acme.pk, "channel": "email", "subject": "Fine"},
                {"account": acme.pk, "contact": elsewhere.pk, "channel": "email", "subject": "Wrong contact"},
            ],
            format="json",
        )
        assert (fixed.status_code, fixed.json()) == (
            400,
            {"1": {"contact": ["This contact does not work at the activity's account."]}},
        )
        with as_tenant(tenant_a):
            assert Activity.objects.count() == 0

    def test_queries_do_not_grow_with_items(self, api_a, tenant_a, member_a, acme):
        jane = ContactFactory(tenant=tenant_a, account=acme, first_name="Jane")
        at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        api_a.get("/api/v1/accounts/")  # the key and its member are cached from here on
        counts = []
        for size in (2, 40):
            items = [
                {
                    "account": acme.pk,
                    "contact": jane.pk,
                    "owner": member_a.pk,
                    "channel": "email",
                    "subject": f"Touch {n}",
                    "occurred_at": (at + timedelta(minutes=n)).isoformat(),
                }
                for n in range(size)
            ]
            with CaptureQueriesContext(connection) as queries:
                assert api_a.post("/api/v1/activities/bulk/", items, format="json").status_code == 201
            counts.append(len(queries))
        assert counts[0] == counts[1] <= BULK_QUERY_BUDGET


class TestActivityIdempotencyKeys:
    """A bulk list's items carry idempotency keys as single posts do: a retried item answers its first activity."""

    def touch(self, account, key, subject="Sent sequence e-mail 1", **fields):
        return {"account": account.pk, "channel": "email", "subject": subject, "idempotency_key": key, **fields}

    def test_a_retried_list_logs_nothing_twice(self, api_a, tenant_a, acme, globex):
        first = api_a.post("/api/v1/activities/", self.touch(acme, "mail-1"), format="json")
        assert first.status_code == 201, first.json()
        response = api_a.post(
            "/api/v1/activities/bulk/",
            [self.touch(globex, "mail-2"), self.touch(acme, "mail-1"), self.touch(globex, "")],
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body[1]["id"] == first.json()["id"]
        with as_tenant(tenant_a):
            logged = list(Activity.objects.order_by("id").values_list("id", "account__name", "idempotency_key"))
        assert logged == [
            (first.json()["id"], "Acme", "mail-1"),
            (body[0]["id"], "Globex", "mail-2"),
            (body[2]["id"], "Globex", ""),
        ]
        again = api_a.post(
            "/api/v1/activities/bulk/", [self.touch(globex, "mail-2"), self.touch(acme, "mail-1")], format="json"
        )
        assert again.status_code == 201, again.json()
        assert [item["id"] for item in again.json()] == [body[0]["id"], first.json()["id"]]
        with as_tenant(tenant_a):
            assert Activity.objects.count() == 3

    def test_a_key_twice_in_a_list_or_reused_with_other_values_is_refused_by_index(self, api_a, tenant_a, acme, globex):
        first = api_a.post("/api/v1/activities/", self.touch(acme, "mail-1"), format="json")
        assert first.status_code == 201, first.json()
        response = api_a.post(
            "/api/v1/activities/bulk/",
            [
                self.touch(globex, "mail-9"),
                self.touch(globex, "mail-1"),
                self.touch(acme, "mail-9", subject="Other"),
            ],
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "1": {
                "idempotency_key": [
                    f"The key “mail-1” was used for activity {first.json()['id']} with other values; "
                    "send a new key for a new activity."
                ]
            },
            "2": {"idempotency_key": ["Item 0 of this list has this key."]},
        }
        with as_tenant(tenant_a):
            assert Activity.objects.count() == 1

    def test_model_errors_after_a_retried_item_keep_their_index(self, api_a, tenant_a, acme, globex):
        jane = ContactFactory(tenant=tenant_a, account=globex, first_name="Jane")
        assert api_a.post("/api/v1/activities/", self.touch(acme, "mail-1"), format="json").status_code == 201
        response = api_a.post(
            "/api/v1/activities/bulk/",
            [self.touch(acme, "mail-1"), self.touch(acme, "mail-2", contact=jane.pk)],
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"1": {"contact": ["This contact does not work at the activity's account."]}}
        with as_tenant(tenant_a):
            assert Activity.objects.count() == 1

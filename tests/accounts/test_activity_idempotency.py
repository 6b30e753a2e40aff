"""Activities from integrations: the outcome, and the idempotency key that makes a retried post answer the
activity logged the first time instead of logging it twice (ADR 0026)."""

import pytest

from accounts.models import Activity
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme")


@pytest.fixture
def jo(tenant_a, acme):
    return ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")


def sent(acme, jo, **extra):
    return {
        "account": acme.pk,
        "contact": jo.pk,
        "channel": "email",
        "subject": "Sequence step 1",
        "outcome": "replied",
        "idempotency_key": "mailer-evt-42",
        **extra,
    }


def stored(tenant):
    with as_tenant(tenant):
        return list(Activity.objects.values_list("subject", "outcome", "idempotency_key"))


def test_a_retry_answers_the_first_activity_and_logs_nothing(api_a, tenant_a, acme, jo):
    first = api_a.post(URL, sent(acme, jo), format="json")
    retry = api_a.post(URL, sent(acme, jo), format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert first.json()["outcome"] == "replied"
    assert stored(tenant_a) == [("Sequence step 1", "replied", "mailer-evt-42")]
    with as_tenant(tenant_a):
        assert Activity.history.count() == 1


def test_the_same_key_with_other_values_is_a_409_naming_the_key(api_a, tenant_a, acme, jo):
    first = api_a.post(URL, sent(acme, jo), format="json").json()
    response = api_a.post(URL, sent(acme, jo, outcome="bounced"), format="json")
    assert response.status_code == 409
    assert response.json() == {
        "idempotency_key": [
            f"The key “mailer-evt-42” was used for activity {first['id']} with other values; "
            "send a new key for a new activity."
        ]
    }
    assert stored(tenant_a) == [("Sequence step 1", "replied", "mailer-evt-42")]


def test_keys_are_per_workspace_and_posts_without_a_key_always_log(api_a, api_b, tenant_a, tenant_b, acme, jo):
    other = AccountFactory(tenant=tenant_b)
    body_b = {"account": other.pk, "channel": "email", "subject": "B", "idempotency_key": "mailer-evt-42"}
    assert api_a.post(URL, sent(acme, jo), format="json").status_code == 201
    assert api_b.post(URL, body_b, format="json").status_code == 201
    for _ in range(2):
        assert api_a.post(URL, sent(acme, jo, idempotency_key=""), format="json").status_code == 201
    assert len(stored(tenant_a)) == 3


def test_an_unknown_outcome_is_refused_and_the_key_is_not_changed_later(api_a, acme, jo):
    bad = api_a.post(URL, sent(acme, jo, outcome="maybe"), format="json")
    assert bad.json() == {"outcome": ['"maybe" is not a valid choice.']}
    created = api_a.post(URL, sent(acme, jo), format="json").json()
    changed = api_a.patch(f"{URL}{created['id']}/", {"idempotency_key": "other"}, format="json")
    assert changed.json() == {"idempotency_key": ["The idempotency key is set when the activity is logged."]}
    filtered = api_a.get(URL, {"outcome": "replied"}).json()["results"]
    assert [activity["id"] for activity in filtered] == [created["id"]]


def test_each_item_of_a_list_post_carries_its_own_key(tenant_a, owner_a, acme, jo):
    """The serializer as a bulk endpoint uses it (``many=True``): each item is compared on its own fields."""
    from accounts.api.activities import ActivitySerializer

    items = [sent(acme, jo, idempotency_key="k1"), sent(acme, jo, idempotency_key="k2", outcome="bounced")]
    for _ in range(2):
        with as_tenant(tenant_a, owner_a):
            serializer = ActivitySerializer(data=items, many=True)
            assert serializer.is_valid(), serializer.errors
            serializer.save()
    assert sorted(stored(tenant_a)) == [
        ("Sequence step 1", "bounced", "k2"),
        ("Sequence step 1", "replied", "k1"),
    ]

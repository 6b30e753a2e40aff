"""The activity log (/activities/): CRUD, validation naming the field, filters, htmx fragments, query budget."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Activity
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


@pytest.fixture
def jo(tenant_a, acme):
    return ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")


def stored(tenant):
    with as_tenant(tenant):
        return list(Activity.objects.values_list("subject", flat=True))


def test_create_and_read_back(api_a, tenant_a, acme, jo, member_a):
    response = api_a.post(
        URL,
        {
            "account": acme.pk,
            "contact": jo.pk,
            "channel": "phone",
            "direction": "inbound",
            "occurred_at": "2026-03-02T10:30:00Z",
            "subject": "Jo called back about pricing",
            "notes": "Wants a proposal by Friday.",
            "owner": member_a.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in body if key not in ("id", "created_at", "updated_at")} == {
        "account": acme.pk,
        "account_name": "Acme",
        "contact": jo.pk,
        "contact_name": "Jo Lee",
        "channel": "phone",
        "direction": "inbound",
        "occurred_at": "2026-03-02T10:30:00Z",
        "subject": "Jo called back about pricing",
        "notes": "Wants a proposal by Friday.",
        "owner": member_a.pk,
        "owner_name": member_a.get_full_name(),
        "outcome": "",
        "impressions": None,
        "clicks": None,
        "conversions": None,
        "idempotency_key": "",
        "task": None,
    }
    assert api_a.get(f"{URL}{body['id']}/").json() == body


def test_defaults_outbound_now_and_no_owner(api_a, tenant_a, acme):
    before = timezone.now()
    body = api_a.post(URL, {"account": acme.pk, "channel": "email", "subject": "Intro"}, format="json").json()
    assert (body["direction"], body["contact"], body["owner"], body["owner_name"]) == ("outbound", None, None, "")
    with as_tenant(tenant_a):
        occurred_at = Activity.objects.get(pk=body["id"]).occurred_at
    assert before <= occurred_at <= timezone.now()


def test_validation_errors_name_the_field(api_a, tenant_a, acme):
    in_an_hour = (timezone.now() + timedelta(hours=1)).isoformat()
    response = api_a.post(
        URL,
        {"channel": "carrier pigeon", "direction": "sideways", "occurred_at": in_an_hour, "subject": ""},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "account": ["This field is required."],
        "channel": ['"carrier pigeon" is not a valid choice.'],
        "direction": ['"sideways" is not a valid choice.'],
        "occurred_at": ["An activity cannot be in the future."],
        "subject": ["This field may not be blank."],
    }
    bad_time = api_a.post(
        URL, {"account": acme.pk, "channel": "email", "subject": "X", "occurred_at": "yesterday"}, format="json"
    )
    assert bad_time.json() == {
        "occurred_at": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ]
    }
    assert stored(tenant_a) == []


def test_a_few_minutes_of_clock_drift_are_accepted(api_a, acme):
    soon = (timezone.now() + timedelta(minutes=2)).isoformat()
    response = api_a.post(
        URL, {"account": acme.pk, "channel": "web_visit", "subject": "Pricing page", "occurred_at": soon}, format="json"
    )
    assert response.status_code == 201


def test_contact_must_work_at_the_account(api_a, tenant_a, acme, jo):
    other = AccountFactory(tenant=tenant_a, name="Other")
    response = api_a.post(
        URL, {"account": other.pk, "contact": jo.pk, "channel": "email", "subject": "Wrong place"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"contact": ["This contact does not work at the activity's account."]}
    assert stored(tenant_a) == []
    # Moving an activity to another account keeps the rule.
    activity = ActivityFactory(tenant=tenant_a, account=acme, contact=jo, subject="Kept")
    moved = api_a.patch(f"{URL}{activity.pk}/", {"account": other.pk}, format="json")
    assert moved.json() == {"contact": ["This contact does not work at the activity's account."]}
    with as_tenant(tenant_a):
        assert Activity.objects.get(pk=activity.pk).account_id == acme.pk


def test_owner_must_be_a_member(api_a, acme, member_b):
    response = api_a.post(
        URL, {"account": acme.pk, "channel": "email", "subject": "X", "owner": member_b.pk}, format="json"
    )
    assert response.json() == {
        "owner": [f"No member of this workspace who can own records has id {member_b.pk} (viewers cannot)."]
    }


def test_update_and_delete(api_a, tenant_a, acme, jo):
    activity = ActivityFactory(tenant=tenant_a, account=acme, subject="Draft")
    response = api_a.patch(f"{URL}{activity.pk}/", {"subject": "Demo booked", "contact": jo.pk}, format="json")
    assert response.status_code == 200
    assert (response.json()["subject"], response.json()["contact_name"]) == ("Demo booked", "Jo Lee")
    assert api_a.delete(f"{URL}{activity.pk}/").status_code == 204
    assert stored(tenant_a) == []


def test_naive_times_are_read_in_the_workspace_time_zone(api_a, tenant_a, acme):
    tenant_a.time_zone = "Europe/Berlin"
    tenant_a.save()
    body = api_a.post(
        URL,
        {"account": acme.pk, "channel": "meeting", "subject": "Workshop", "occurred_at": "2026-03-02T10:00"},
        format="json",
    ).json()
    with as_tenant(tenant_a):
        assert Activity.objects.get(pk=body["id"]).occurred_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class TestList:
    @pytest.fixture
    def log(self, tenant_a, acme, jo):
        other = AccountFactory(tenant=tenant_a, name="Other")

        def at(day, hour=12):
            return datetime(2026, 1, day, hour, tzinfo=UTC)

        ActivityFactory(tenant=tenant_a, account=acme, subject="Cold e-mail", occurred_at=at(5))
        ActivityFactory(
            tenant=tenant_a, account=acme, contact=jo, subject="Reply from Jo", direction="inbound", occurred_at=at(9)
        )
        ActivityFactory(tenant=tenant_a, account=acme, subject="Call", channel="phone", occurred_at=at(12, 23))
        ActivityFactory(tenant=tenant_a, account=other, subject="Ad click", channel="advertising", occurred_at=at(20))

    def subjects(self, api, query=""):
        response = api.get(f"{URL}{query}")
        assert response.status_code == 200, response.json()
        return [row["subject"] for row in response.json()["results"]]

    def test_newest_first_and_filters(self, api_a, acme, jo, log):
        assert self.subjects(api_a) == ["Ad click", "Call", "Reply from Jo", "Cold e-mail"]
        assert self.subjects(api_a, f"?account={acme.pk}") == ["Call", "Reply from Jo", "Cold e-mail"]
        assert self.subjects(api_a, f"?contact={jo.pk}") == ["Reply from Jo"]
        assert self.subjects(api_a, "?channel=phone") == ["Call"]
        assert self.subjects(api_a, "?direction=inbound") == ["Reply from Jo"]
        assert self.subjects(api_a, "?search=e-mail") == ["Cold e-mail"]
        assert self.subjects(api_a, "?ordering=occurred_at") == ["Cold e-mail", "Reply from Jo", "Call", "Ad click"]

    def test_date_filters_take_whole_days_or_exact_times(self, api_a, log):
        # Dates are whole days in the workspace's time zone (UTC here): the 12th includes the call at 23:00.
        assert self.subjects(api_a, "?occurred_after=2026-01-09&occurred_before=2026-01-12") == [
            "Call",
            "Reply from Jo",
        ]
        assert self.subjects(api_a, "?occurred_before=2026-01-12T12:00:00Z") == ["Reply from Jo", "Cold e-mail"]
        assert self.subjects(api_a, "?occurred_after=2026-01-09T12:00:01%2B00:00") == ["Ad click", "Call"]

    def test_date_filters_follow_the_workspace_time_zone(self, api_a, tenant_a, log):
        tenant_a.time_zone = "Asia/Tokyo"  # 23:00 UTC on the 12th is the 13th in Tokyo
        tenant_a.save()
        assert self.subjects(api_a, "?occurred_after=2026-01-13&occurred_before=2026-01-13") == ["Call"]

    def test_bad_filter_values_name_the_filter(self, api_a, log):
        response = api_a.get(f"{URL}?occurred_after=last-week&direction=up")
        assert response.status_code == 400
        assert response.json() == {
            "occurred_after": ["Enter a date (YYYY-MM-DD) or an ISO 8601 date-time."],
            "direction": ["Select a valid choice. up is not one of the available choices."],
        }

    def test_dates_at_the_ends_of_the_calendar_are_refused(self, api_a, log):
        response = api_a.get(f"{URL}?occurred_before=9999-12-31&occurred_after=0001-01-01T00:00:00%2B05:00")
        assert response.status_code == 400
        message = ["Enter a date between 0001-01-03 and 9999-12-29."]
        assert response.json() == {"occurred_before": message, "occurred_after": message}

    def test_cursor_pages(self, api_a, log):
        first = api_a.get(f"{URL}?page_size=3").json()
        assert [row["subject"] for row in first["results"]] == ["Ad click", "Call", "Reply from Jo"]
        second = api_a.get(first["next"]).json()
        assert [row["subject"] for row in second["results"]] == ["Cold e-mail"]
        assert second["next"] is None


class TestHtmx:
    def test_timeline_form_and_errors(self, client_for, member_a, tenant_a, acme, jo):
        ContactFactory(tenant=tenant_a, first_name="Elsewhere")  # another account's contact: not offered
        ActivityFactory(
            tenant=tenant_a,
            account=acme,
            contact=jo,
            direction="inbound",
            channel="meeting",
            subject="Discovery meeting",
            occurred_at=datetime(2026, 2, 1, 15, 30, tzinfo=UTC),
        )
        client = client_for(member_a)
        html = client.get(f"/t/alpha/api/activities/?account={acme.pk}", HTTP_HX_REQUEST="true").content.decode()
        assert '<time datetime="2026-02-01T15:30:00Z">2026-02-01 15:30</time>' in html
        assert '<span class="direction direction-inbound">Inbound response</span>' in html
        assert '<span class="badge">Meeting</span>' in html
        assert "Discovery meeting" in html and "· Jo Lee" in html
        form = client.get(f"/t/alpha/api/activities/new/?account={acme.pk}", HTTP_HX_REQUEST="true").content.decode()
        assert f'<input type="hidden" name="account" value="{acme.pk}">' in form
        assert f'<option value="{jo.pk}">Jo Lee</option>' in form
        assert "Elsewhere" not in form
        assert f'<option value="{member_a.pk}" selected>' in form  # the owner defaults to whoever logs it
        assert 'type="datetime-local"' in form
        bad = client.post(
            "/t/alpha/api/activities/",
            {"account": acme.pk, "channel": "email", "subject": "", "contact": jo.pk},
            HTTP_HX_REQUEST="true",
        )
        assert bad.status_code == 400
        page = bad.content.decode()
        assert "This field may not be blank." in page
        assert f'<option value="{jo.pk}" selected>Jo Lee</option>' in page

    def test_an_invalid_date_comes_back_as_the_form_with_its_error(self, client_for, member_a, tenant_a, acme, jo):
        client = client_for(member_a)
        sent = {"account": acme.pk, "channel": "email", "subject": "Call", "occurred_at": "yesterday"}
        created = client.post("/t/alpha/api/activities/", sent, HTTP_HX_REQUEST="true")
        activity = ActivityFactory(tenant=tenant_a, account=acme, subject="Old call")
        edited = client.patch(
            f"/t/alpha/api/activities/{activity.pk}/",
            "occurred_at=2026-02-30T10%3A00",
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
        )
        message = (
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        )
        for response in (created, edited):
            assert response.status_code == 400
            page = response.content.decode()
            assert message in page
            assert '<input name="occurred_at" type="datetime-local" value="" aria-invalid="true">' in page
        assert 'value="Call"' in created.content.decode()
        with as_tenant(tenant_a):
            assert list(Activity.objects.values_list("subject", flat=True)) == ["Old call"]

    def test_log_an_activity_from_the_form(self, client_for, member_a, tenant_a, acme, jo):
        response = client_for(member_a).post(
            "/t/alpha/api/activities/",
            {
                "account": acme.pk,
                "contact": jo.pk,
                "channel": "email",
                "direction": "outbound",
                "occurred_at": "2026-02-03T09:15",
                "subject": "Sent the business case",
                "notes": "",
                "owner": member_a.pk,
            },
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 201
        assert response["HX-Trigger"] == "objectsChanged"
        assert "Activity “Sent the business case” logged." in response.content.decode()
        with as_tenant(tenant_a):
            activity = Activity.objects.get()
        assert (activity.contact_id, activity.owner_id, activity.created_by_id) == (jo.pk, member_a.pk, member_a.pk)
        assert activity.occurred_at == datetime(2026, 2, 3, 9, 15, tzinfo=UTC)

    def test_edit_form_and_delete(self, client_for, member_a, tenant_a, acme, jo):
        tenant_a.time_zone = "Europe/Berlin"
        tenant_a.save()
        activity = ActivityFactory(
            tenant=tenant_a, account=acme, contact=jo, occurred_at=datetime(2026, 2, 1, 8, 5, tzinfo=UTC)
        )
        client = client_for(member_a)
        form = client.get(f"/t/alpha/api/activities/{activity.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
        assert f'hx-put="/t/alpha/api/activities/{activity.pk}/"' in form
        assert 'value="2026-02-01T09:05:00.000"' in form  # the workspace's wall clock (UTC+1)
        assert f'<option value="{jo.pk}" selected>Jo Lee</option>' in form
        deleted = client.delete(f"/t/alpha/api/activities/{activity.pk}/", HTTP_HX_REQUEST="true")
        assert (deleted.status_code, deleted.content) == (200, b"")

    def test_viewers_read_but_do_not_log(self, client_for, viewer_a, acme):
        client = client_for(viewer_a)
        assert client.get("/t/alpha/api/activities/", HTTP_HX_REQUEST="true").status_code == 200
        response = client.post(
            "/t/alpha/api/activities/", {"account": acme.pk, "channel": "email", "subject": "X"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 403


def test_ops_admin_sees_own_activities_only(client_for, admin_a, tenant_a, tenant_b, acme, jo):
    admin_a.is_staff = True
    admin_a.save()
    own = ActivityFactory(tenant=tenant_a, account=acme, contact=jo, subject="Alpha touch")
    foreign = ActivityFactory(tenant=tenant_b, subject="Bravo touch")
    client = client_for(admin_a)
    html = client.get("/admin/accounts/activity/").content.decode()
    assert "Alpha touch" in html and "Bravo touch" not in html
    assert client.get(f"/admin/accounts/activity/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/activity/{foreign.pk}/change/").status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
def test_list_query_budget(api_a, client_for, member_a, tenant_a, htmx):
    """The same queries for 10 and 100 rows. JSON: key + list (+4 transaction); htmx: session, user,
    membership + list (+4)."""
    client = client_for(member_a) if htmx else api_a
    prefix = "/t/alpha/api" if htmx else "/api/v1"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = f"{prefix}/activities/?page_size=200"

    def make(count):
        for _ in range(count):
            contact = ContactFactory(tenant=tenant_a)
            ActivityFactory(tenant=tenant_a, account=contact.account, contact=contact, owner=member_a)

    def count():
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **headers).status_code == 200
        return len(queries)

    make(10)
    ten = count()
    make(90)
    # one list query, +4 (the session's user and membership, or the key, come from the cache)
    assert ten == count() == 5


def test_a_full_update_without_occurred_at_keeps_it(api_a, tenant_a, acme, jo):
    """``occurred_at`` defaults to now on create only: a PUT that leaves it out keeps the logged time."""
    created = api_a.post(
        URL,
        {
            "account": acme.pk,
            "contact": jo.pk,
            "channel": "phone",
            "subject": "Call",
            "occurred_at": "2026-03-02T10:30:00Z",
        },
        format="json",
    ).json()
    body = {"account": acme.pk, "contact": jo.pk, "channel": "meeting", "direction": "inbound", "subject": "Demo"}
    response = api_a.put(f"{URL}{created['id']}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["channel"], response.json()["occurred_at"]) == ("meeting", "2026-03-02T10:30:00Z")
    moved = api_a.put(f"{URL}{created['id']}/", {**body, "occurred_at": "2026-03-01T09:00:00Z"}, format="json")
    assert moved.json()["occurred_at"] == "2026-03-01T09:00:00Z"
    with as_tenant(tenant_a):
        assert Activity.objects.get(pk=created["id"]).occurred_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

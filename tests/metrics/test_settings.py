"""The programme settings (`/metrics/settings/`): everyone reads, admins put the start date (not in the future),
the form the dashboard includes, isolation."""

import json
from datetime import timedelta

import pytest

from abs_platform.tenancy.context import workspace_today
from metrics.models import MetricsSettings
from tests.conftest import as_tenant

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/settings/"
PAGE_URL = "/t/alpha/api/metrics/settings/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def today(tenant_a):
    with as_tenant(tenant_a):
        return workspace_today()


def put(client, url, body, **headers):
    return client.put(url, json.dumps(body), content_type="application/json", **headers)


def test_unset_by_default_then_put_by_an_admin_key_and_read_by_all(api_a, api_a_read, client_for, viewer_a, today):
    assert api_a.get(URL).json() == {"programme_start_on": None}
    start = (today - timedelta(days=30)).isoformat()
    response = api_a.put(URL, {"programme_start_on": start}, format="json")
    assert (response.status_code, response.json()) == (200, {"programme_start_on": start})
    assert api_a_read.get(URL).json() == {"programme_start_on": start}
    assert client_for(viewer_a).get(PAGE_URL).json() == {"programme_start_on": start}
    # Today is fine; null clears it; one row throughout.
    assert api_a.put(URL, {"programme_start_on": today.isoformat()}, format="json").status_code == 200
    assert api_a.put(URL, {"programme_start_on": None}, format="json").json() == {"programme_start_on": None}


def test_a_future_start_a_missing_field_and_unknown_fields_are_refused(api_a, tenant_a, today):
    tomorrow = (today + timedelta(days=1)).isoformat()
    response = api_a.put(URL, {"programme_start_on": tomorrow}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"programme_start_on": ["The programme start cannot be in the future."]},
    )
    assert api_a.put(URL, {}, format="json").json() == {"programme_start_on": ["This field is required."]}
    response = api_a.put(URL, {"programme_start_on": None, "start": "2026-01-01"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["start"]
    with as_tenant(tenant_a):
        assert not MetricsSettings.objects.exists()


def test_members_and_read_keys_may_not_write(client_for, member_a, api_a_read, today):
    body = {"programme_start_on": today.isoformat()}
    assert put(client_for(member_a), PAGE_URL, body).status_code == 403
    assert api_a_read.put(URL, body, format="json").status_code == 403


def test_another_workspace_keeps_its_own(api_a, api_b, today):
    api_a.put(URL, {"programme_start_on": today.isoformat()}, format="json")
    assert api_b.get(URL).json() == {"programme_start_on": None}


def test_the_form_for_admins_saves_and_shows_errors_and_viewers_read(client_for, admin_a, viewer_a, today):
    admin = client_for(admin_a)
    form = admin.get(PAGE_URL, **HTMX).content.decode()
    assert 'hx-put="/t/alpha/api/metrics/settings/"' in form and 'name="programme_start_on"' in form
    tomorrow = (today + timedelta(days=1)).isoformat()
    refused = admin.put(
        PAGE_URL, f"programme_start_on={tomorrow}", content_type="application/x-www-form-urlencoded", **HTMX
    )
    assert refused.status_code == 400
    assert "The programme start cannot be in the future." in refused.content.decode()
    start = (today - timedelta(days=7)).isoformat()
    saved = admin.put(PAGE_URL, f"programme_start_on={start}", content_type="application/x-www-form-urlencoded", **HTMX)
    assert saved.status_code == 200
    assert "Saved." in saved.content.decode() and f'value="{start}"' in saved.content.decode()
    viewer = client_for(viewer_a).get(PAGE_URL, **HTMX).content.decode()
    assert f"Programme start: {start}. Engagement is compared with the 90 days before it" in viewer
    assert "<form" not in viewer


def test_the_start_is_optional_in_the_form_and_saving_it_empty_clears_it(client_for, admin_a, api_a, today):
    """The API wants the key (null clears it); the form, which always posts it, shows no required marker."""
    admin = client_for(admin_a)
    form = admin.get(PAGE_URL, **HTMX).content.decode()
    label = form[form.index("<label>") : form.index("<input")]
    assert label.split() == ["<label>Programme", "start"]
    api_a.put(URL, {"programme_start_on": (today - timedelta(days=7)).isoformat()}, format="json")
    saved = admin.put(PAGE_URL, "programme_start_on=", content_type="application/x-www-form-urlencoded", **HTMX)
    assert saved.status_code == 200 and "Saved." in saved.content.decode()
    assert api_a.get(URL).json() == {"programme_start_on": None}


def test_a_field_that_needs_a_value_keeps_its_marker(client_for, admin_a):
    form = client_for(admin_a).get("/t/alpha/api/accounts/new/", **HTMX).content.decode()
    assert 'Name <span aria-hidden="true">*</span>' in form

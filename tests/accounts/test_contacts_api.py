from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, PersonaFactory

pytestmark = pytest.mark.django_db


def contacts(tenant):
    with as_tenant(tenant):
        return sorted(Contact.objects.values_list("first_name", "email", "persona__name", "persona_overridden"))


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


@pytest.fixture
def cfo_persona(tenant_a):
    return PersonaFactory(
        tenant=tenant_a, name="Finance leader", title_keywords=["CFO", "finance"], seniorities=["c_level", "vp"]
    )


class TestCreate:
    def test_create_normalizes_the_email_and_matches_a_persona(self, api_a, tenant_a, acme, cfo_persona):
        response = api_a.post(
            "/api/v1/contacts/",
            {
                "account": acme.pk,
                "first_name": "Carla",
                "last_name": "Ruiz",
                "title": "Group CFO",
                "seniority": "c_level",
                "email": "  Carla.Ruiz@ACME.com ",
                "buying_role": "economic_buyer",
                "relationship_strength": 2,
                "last_verified_on": "2026-01-15",
                "source": "api",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert {key: body[key] for key in body if key not in ("id", "created_at", "updated_at", "freshness")} == {
            "account": acme.pk,
            "account_name": "Acme",
            "first_name": "Carla",
            "last_name": "Ruiz",
            "name": "Carla Ruiz",
            "title": "Group CFO",
            "department": "",
            "seniority": "c_level",
            "email": "carla.ruiz@acme.com",
            "phone": "",
            "linkedin_url": "",
            "persona": cfo_persona.pk,
            "persona_name": "Finance leader",
            "persona_overridden": False,
            "persona_match_reason": "title contains “CFO”; seniority C-level",
            "buying_role": "economic_buyer",
            "relationship_strength": 2,
            "status": "active",
            "last_verified_on": "2026-01-15",
            "source": "api",
        }

    def test_duplicate_email_in_the_workspace_is_a_400_naming_the_field(self, api_a, tenant_a, acme):
        ContactFactory(tenant=tenant_a, account=acme, first_name="First", email="jo@acme.com")
        response = api_a.post(
            "/api/v1/contacts/", {"account": acme.pk, "first_name": "Second", "email": "JO@acme.com"}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"email": ["A contact with this e-mail already exists in this workspace."]}
        assert contacts(tenant_a) == [("First", "jo@acme.com", None, False)]

    def test_another_workspace_may_reuse_the_email(self, api_b, tenant_a, tenant_b, acme):
        ContactFactory(tenant=tenant_a, account=acme, email="jo@acme.com")
        account_b = AccountFactory(tenant=tenant_b, name="Acme B")
        response = api_b.post(
            "/api/v1/contacts/", {"account": account_b.pk, "first_name": "Jo", "email": "jo@acme.com"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["email"] == "jo@acme.com"

    def test_account_of_another_workspace_is_refused(self, api_a, tenant_b):
        foreign = AccountFactory(tenant=tenant_b, name="Bravo Secret")
        response = api_a.post("/api/v1/contacts/", {"account": foreign.pk, "first_name": "X"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"account": [f"No account with id {foreign.pk} in this workspace."]}

    def test_field_errors_and_nothing_written(self, api_a, tenant_a, acme):
        response = api_a.post(
            "/api/v1/contacts/",
            {"first_name": "", "email": "nope", "seniority": "king", "status": "gone", "relationship_strength": 7},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "account": ["This field is required."],
            "first_name": ["This field may not be blank."],
            "email": ["Enter a valid email address."],
            "seniority": ['"king" is not a valid choice.'],
            "status": ['"gone" is not a valid choice.'],
            "relationship_strength": ['"7" is not a valid choice.'],
        }
        assert contacts(tenant_a) == []

    def test_naming_a_persona_pins_it_and_null_hands_it_back(self, api_a, tenant_a, acme, cfo_persona):
        other = PersonaFactory(tenant=tenant_a, name="Champion")
        created = api_a.post(
            "/api/v1/contacts/",
            {"account": acme.pk, "first_name": "Carla", "title": "CFO", "persona": other.pk},
            format="json",
        ).json()
        assert (created["persona"], created["persona_overridden"], created["persona_match_reason"]) == (
            other.pk,
            True,
            "Set by hand.",
        )
        # A later title change leaves a pinned persona alone.
        changed = api_a.patch(f"/api/v1/contacts/{created['id']}/", {"title": "Chief Financial Officer"}, format="json")
        assert changed.json()["persona"] == other.pk
        released = api_a.patch(f"/api/v1/contacts/{created['id']}/", {"persona": None, "title": "CFO"}, format="json")
        assert (released.json()["persona"], released.json()["persona_overridden"]) == (cfo_persona.pk, False)
        assert released.json()["persona_match_reason"] == "title contains “CFO”"

    def test_title_change_re_matches(self, api_a, tenant_a, acme, cfo_persona):
        created = api_a.post(
            "/api/v1/contacts/", {"account": acme.pk, "first_name": "Al", "title": "Engineer"}, format="json"
        ).json()
        assert (created["persona"], created["persona_match_reason"]) == (None, "")
        updated = api_a.patch(f"/api/v1/contacts/{created['id']}/", {"title": "Head of Finance"}, format="json")
        assert (updated.json()["persona"], updated.json()["persona_match_reason"]) == (
            cfo_persona.pk,
            "title contains “finance”",
        )

    def test_members_write_viewers_read(self, client_for, viewer_a, member_a, acme):
        body = {"account": acme.pk, "first_name": "Vic"}
        viewer = client_for(viewer_a)
        assert viewer.post("/t/alpha/api/contacts/", body, content_type="application/json").status_code == 403
        assert viewer.get("/t/alpha/api/contacts/").status_code == 200
        member = client_for(member_a)
        assert member.post("/t/alpha/api/contacts/", body, content_type="application/json").status_code == 201


class TestHtmx:
    def test_new_form_carries_the_account_and_the_personas(self, client_for, member_a, acme, cfo_persona):
        html = client_for(member_a).get(f"/t/alpha/api/contacts/new/?account={acme.pk}", HTTP_HX_REQUEST="true")
        text = html.content.decode()
        assert f'<input type="hidden" name="account" value="{acme.pk}">' in text
        assert f'<option value="{cfo_persona.pk}">Finance leader</option>' in text
        assert 'hx-post="/t/alpha/api/contacts/"' in text

    def test_create_error_re_renders_the_form(self, client_for, member_a, tenant_a, acme):
        ContactFactory(tenant=tenant_a, account=acme, first_name="First", email="jo@acme.com")
        response = client_for(member_a).post(
            "/t/alpha/api/contacts/",
            {"account": acme.pk, "first_name": "Jo", "email": "Jo@Acme.com", "persona": ""},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert '<p class="error">A contact with this e-mail already exists in this workspace.</p>' in html
        assert 'value="Jo"' in html
        assert f'<input type="hidden" name="account" value="{acme.pk}">' in html

    def test_create_and_edit_in_place(self, client_for, member_a, tenant_a, acme, cfo_persona):
        client = client_for(member_a)
        created = client.post(
            "/t/alpha/api/contacts/",
            {"account": acme.pk, "first_name": "Carla", "last_name": "Ruiz", "title": "CFO", "persona": ""},
            HTTP_HX_REQUEST="true",
        )
        assert created.status_code == 201
        assert created["HX-Trigger"] == "objectsChanged"
        assert "Contact “Carla Ruiz” added as Finance leader (title contains “CFO”)." in created.content.decode()
        with as_tenant(tenant_a):
            contact = Contact.objects.get()
        form = client.get(f"/t/alpha/api/contacts/{contact.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
        assert f'hx-put="/t/alpha/api/contacts/{contact.pk}/"' in form
        # An automatically matched persona is not shown as pinned: saving the form keeps it automatic.
        assert '<option value="">Match automatically</option>' in form
        assert f'<option value="{cfo_persona.pk}" selected>' not in form
        saved = client.put(
            f"/t/alpha/api/contacts/{contact.pk}/",
            f"account={acme.pk}&first_name=Carla&last_name=Ruiz&title=CFO&status=left_company"
            "&relationship_strength=3&persona=",
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
        )
        assert saved.status_code == 200
        assert f'<tr id="contact-row-{contact.pk}">' in saved.content.decode()
        assert contacts(tenant_a) == [("Carla", "", "Finance leader", False)]
        with as_tenant(tenant_a):
            assert Contact.objects.get().status == "left_company"


class TestListing:
    @pytest.fixture
    def people(self, tenant_a, acme, cfo_persona):
        today = timezone.localdate()
        other_account = AccountFactory(tenant=tenant_a, name="Other")
        ContactFactory(
            tenant=tenant_a,
            account=acme,
            first_name="Ann",
            last_name="Able",
            title="CFO",
            persona=cfo_persona,
            buying_role="economic_buyer",
            last_verified_on=today - timedelta(days=10),
        )
        ContactFactory(
            tenant=tenant_a,
            account=acme,
            first_name="Bob",
            last_name="Baker",
            email="bob@acme.com",
            title="Engineer",
            status="bounced",
            last_verified_on=today - timedelta(days=365),
        )
        ContactFactory(
            tenant=tenant_a,
            account=other_account,
            first_name="Cy",
            last_name="Cole",
            title="VP Sales",
            last_verified_on=today - timedelta(days=366),
        )
        ContactFactory(tenant=tenant_a, account=other_account, first_name="Di", last_name="Dunn", title="Buyer")

    def listed(self, api, query=""):
        response = api.get(f"/api/v1/contacts/{query}")
        assert response.status_code == 200, response.json()
        return [row["first_name"] for row in response.json()["results"]]

    def test_filters_and_search(self, api_a, people, acme, cfo_persona):
        assert self.listed(api_a) == ["Ann", "Bob", "Cy", "Di"]
        assert self.listed(api_a, f"?account={acme.pk}") == ["Ann", "Bob"]
        assert self.listed(api_a, f"?persona={cfo_persona.pk}") == ["Ann"]
        assert self.listed(api_a, "?buying_role=economic_buyer") == ["Ann"]
        assert self.listed(api_a, "?status=bounced") == ["Bob"]
        # stale: verified more than 365 days ago, or never
        assert self.listed(api_a, "?stale=true") == ["Cy", "Di"]
        assert self.listed(api_a, "?stale=false") == ["Ann", "Bob"]
        # freshness: the same values as the field, so a filtered list and its rows agree (Bob has bounced)
        rows = api_a.get("/api/v1/contacts/").json()["results"]
        for label in ("current", "stale", "unverified", "inactive"):
            expected = [row["first_name"] for row in rows if row["freshness"] == label]
            assert self.listed(api_a, f"?freshness={label}") == expected, label
        assert {row["first_name"]: row["freshness"] for row in rows}["Bob"] == "inactive"
        assert self.listed(api_a, "?search=bob@acme") == ["Bob"]
        assert self.listed(api_a, "?search=vp") == ["Cy"]
        assert self.listed(api_a, "?search=di dunn") == ["Di"]
        assert self.listed(api_a, "?ordering=-last_name") == ["Di", "Cy", "Bob", "Ann"]

    def test_bad_filter_is_400(self, api_a, people):
        response = api_a.get("/api/v1/contacts/?buying_role=king")
        assert response.status_code == 400
        assert response.json() == {"buying_role": ["Select a valid choice. king is not one of the available choices."]}

    def test_freshness_labels(self, api_a, people):
        rows = {row["first_name"]: row["freshness"] for row in api_a.get("/api/v1/contacts/").json()["results"]}
        assert rows == {"Ann": "current", "Bob": "inactive", "Cy": "stale", "Di": "unverified"}

    def test_cursor_pagination(self, api_a, people):
        seen, url = [], "/api/v1/contacts/?page_size=3"
        while url:
            page = api_a.get(url).json()
            seen += [row["first_name"] for row in page["results"]]
            url = page["next"]
        assert seen == ["Ann", "Bob", "Cy", "Di"]


class TestQueryBudget:
    def count(self, client, url, **headers):
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        assert response.status_code == 200
        return len(queries)

    def make(self, tenant, count):
        persona = PersonaFactory(tenant=tenant)
        for _ in range(count):
            ContactFactory(tenant=tenant, persona=persona)

    @pytest.mark.parametrize(
        ("client_name", "url", "headers", "budget"),
        [
            # one list query (+4 for the transaction; the key is cached after the warm-up)
            ("api", "/api/v1/contacts/?page_size=200", {}, 5),
            # one list query (+4; session, user and membership are cached)
            ("htmx", "/t/alpha/api/contacts/?page_size=200", {"HTTP_HX_REQUEST": "true"}, 5),
        ],
    )
    def test_list(self, api_a, client_for, member_a, tenant_a, client_name, url, headers, budget):
        client = api_a if client_name == "api" else client_for(member_a)
        self.make(tenant_a, 10)
        ten = self.count(client, url, **headers)
        self.make(tenant_a, 90)
        hundred = self.count(client, url, **headers)
        assert ten == hundred == budget


def test_list_and_detail_answer_the_documented_json(api_a, tenant_a, acme, cfo_persona):
    verified = timezone.localdate() - timedelta(days=400)
    ContactFactory(tenant=tenant_a, account=acme, first_name="Plain", last_name="", email="", title="")
    pinned = ContactFactory(
        tenant=tenant_a,
        account=acme,
        first_name="Pinned",
        last_name="Payne",
        title="CFO",
        department="Finance",
        seniority="c_level",
        email="pinned@acme.com",
        phone="",
        persona=cfo_persona,
        persona_overridden=True,
        buying_role="champion",
        relationship_strength=3,
        last_verified_on=verified,
        linkedin_url="https://www.linkedin.com/in/pinned",
    )
    expected = {
        "id": pinned.pk,
        "account": acme.pk,
        "account_name": "Acme",
        "first_name": "Pinned",
        "last_name": "Payne",
        "name": "Pinned Payne",
        "title": "CFO",
        "department": "Finance",
        "seniority": "c_level",
        "email": "pinned@acme.com",
        "phone": "",
        "linkedin_url": "https://www.linkedin.com/in/pinned",
        "persona": cfo_persona.pk,
        "persona_name": "Finance leader",
        "persona_overridden": True,
        "persona_match_reason": pinned.persona_match_reason,
        "buying_role": "champion",
        "relationship_strength": 3,
        "status": "active",
        "last_verified_on": verified.isoformat(),
        "freshness": "stale",
        "source": pinned.source,
        "created_at": pinned.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": pinned.updated_at.isoformat().replace("+00:00", "Z"),
    }
    assert api_a.get(f"/api/v1/contacts/{pinned.pk}/").json() == expected
    listed = {row["first_name"]: row for row in api_a.get("/api/v1/contacts/").json()["results"]}
    assert listed["Pinned"] == expected
    plain = listed["Plain"]
    assert (plain["name"], plain["persona"], plain["persona_name"], plain["last_verified_on"]) == (
        "Plain",
        None,
        "",
        None,
    )

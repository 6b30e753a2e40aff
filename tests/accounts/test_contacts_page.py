"""The Contacts page: its list layout, filters, sort, account picker, inline forms, bulk changes, saved views,
export, query budgets and isolation."""

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import selectors
from accounts.models import Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, PersonaFactory

pytestmark = pytest.mark.django_db

DIRECTORY = {"HTTP_HX_REQUEST": "true", "HTTP_X_CONTACT_LAYOUT": "directory"}


class Tags(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


class RowCells(HTMLParser):
    """The text of every cell of every contact row, by contact id (whitespace collapsed)."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: dict[int, list[str]] = {}
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        row_id = dict(attrs).get("id") or ""
        if tag == "tr" and row_id.startswith("contact-row-"):
            self._row = self.rows.setdefault(int(row_id.removeprefix("contact-row-")), [])
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def today():
    return timezone.localdate()


@pytest.fixture
def world(tenant_a, owner_a):
    """Umbrella (owned by owner_a): Ann (current) and Bob (bounced, verified exactly 365 days ago);
    Acme (no owner): Cy (verified 366 days ago: stale) and Di (never verified)."""
    finance = PersonaFactory(tenant=tenant_a, name="Finance leader", title_keywords=["CFO"])
    champion = PersonaFactory(tenant=tenant_a, name="Champion")
    umbrella = AccountFactory(tenant=tenant_a, name="Umbrella", owner=owner_a)
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    ann = ContactFactory(
        tenant=tenant_a,
        account=umbrella,
        first_name="Ann",
        last_name="Able",
        email="ann@umbrella.com",
        title="CFO",
        department="Finance",
        seniority="c_level",
        persona=finance,
        persona_match_reason="title contains “CFO”",
        buying_role="economic_buyer",
        relationship_strength=3,
        last_verified_on=today() - timedelta(days=10),
    )
    bob = ContactFactory(
        tenant=tenant_a,
        account=umbrella,
        first_name="Bob",
        last_name="Baker",
        email="bob@umbrella.com",
        title="Engineer",
        department="IT",
        seniority="individual",
        status="bounced",
        last_verified_on=today() - timedelta(days=365),
    )
    cy = ContactFactory(
        tenant=tenant_a,
        account=acme,
        first_name="Cy",
        last_name="Cole",
        email="cy@acme.com",
        title="VP Sales",
        department="sales",
        seniority="vp",
        persona=champion,
        persona_overridden=True,
        persona_match_reason="Set by hand.",
        buying_role="champion",
        relationship_strength=2,
        last_verified_on=today() - timedelta(days=366),
    )
    di = ContactFactory(
        tenant=tenant_a,
        account=acme,
        first_name="Di",
        last_name="Dunn",
        email="",
        title="Buyer",
        department="Procurement",
    )
    return {
        "finance": finance,
        "champion": champion,
        "umbrella": umbrella,
        "acme": acme,
        "ann": ann,
        "bob": bob,
        "cy": cy,
        "di": di,
    }


def listed(api, query=""):
    response = api.get(f"/api/v1/contacts/{query}")
    assert response.status_code == 200, response.json()
    return [row["first_name"] for row in response.json()["results"]]


def walk(api, query):
    """First names over every page, following the cursor links one row at a time."""
    seen, url = [], f"/api/v1/contacts/?page_size=1&{query}"
    while url:
        page = api.get(url).json()
        seen += [row["first_name"] for row in page["results"]]
        url = page["next"]
    return seen


def stored(tenant, *fields):
    with as_tenant(tenant):
        return list(Contact.objects.order_by("last_name").values_list("first_name", *fields))


class TestFiltersAndSort:
    def test_new_filters(self, api_a, owner_a, world):
        assert listed(api_a, "?no_persona=true") == ["Bob", "Di"]
        assert listed(api_a, "?no_persona=false") == ["Ann", "Cy"]
        assert listed(api_a, "?department=FINANCE") == ["Ann"]
        assert listed(api_a, "?department=Sales") == ["Cy"]
        assert listed(api_a, f"?account_owner={owner_a.pk}") == ["Ann", "Bob"]
        assert listed(api_a, f"?account={world['acme'].pk}&stale=true") == ["Cy", "Di"]
        assert listed(api_a, f"?persona={world['champion'].pk}&seniority=vp&buying_role=champion") == ["Cy"]
        assert listed(api_a, "?search=umbrella.com&status=active") == ["Ann"]

    def test_bad_filter_values_name_the_field(self, api_a, world):
        response = api_a.get("/api/v1/contacts/?account_owner=abc&seniority=king")
        assert response.status_code == 400
        assert response.json() == {
            "account_owner": ["Enter a number."],
            "seniority": ["Select a valid choice. king is not one of the available choices."],
        }

    def test_sort_by_last_verified_puts_never_verified_first_and_pages_through_all(self, api_a, world):
        assert listed(api_a, "?ordering=verified_sort") == ["Di", "Cy", "Bob", "Ann"]
        assert listed(api_a, "?ordering=-verified_sort") == ["Ann", "Bob", "Cy", "Di"]
        assert walk(api_a, "ordering=verified_sort") == ["Di", "Cy", "Bob", "Ann"]
        assert walk(api_a, "ordering=-verified_sort") == ["Ann", "Bob", "Cy", "Di"]

    def test_sort_by_account_and_name(self, api_a, world):
        assert listed(api_a, "?ordering=account_sort") == ["Cy", "Di", "Ann", "Bob"]
        assert walk(api_a, "ordering=account_sort") == ["Cy", "Di", "Ann", "Bob"]
        assert walk(api_a, "ordering=-account_sort") == ["Bob", "Ann", "Di", "Cy"]
        assert walk(api_a, "ordering=-last_name") == ["Di", "Cy", "Bob", "Ann"]

    def test_export_follows_the_new_filters_and_sort(self, api_a, world):
        response = api_a.get("/api/v1/contacts/export/?stale=true&ordering=verified_sort")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [(row["First name"], row["Account name"], row["Last verified on"]) for row in rows] == [
            ("Di", "Acme", ""),
            ("Cy", "Acme", str(today() - timedelta(days=366))),
        ]


class TestDirectoryFragments:
    def test_rows_show_every_attribute_and_mark_stale_contacts(self, client_for, member_a, world):
        response = client_for(member_a).get("/t/alpha/api/contacts/", **DIRECTORY)
        assert response.status_code == 200
        assert "X-Contact-Layout" in response["Vary"]
        html = response.content.decode()
        ann, bob, cy, di = (world[name].pk for name in ("ann", "bob", "cy", "di"))
        assert RowCells(html).rows == {
            ann: [
                "",
                "Ann Able ann@umbrella.com",
                "Umbrella",
                "CFO",
                "Finance",
                "C-level",
                "Finance leader",
                "Economic buyer",
                "Active",
                "Strong",
                str(today() - timedelta(days=10)),
                "Edit Delete",
            ],
            bob: [
                "",
                "Bob Baker bob@umbrella.com",
                "Umbrella",
                "Engineer",
                "IT",
                "Individual contributor",
                "No persona",
                "—",
                "Bounced",
                "None",
                str(today() - timedelta(days=365)),
                "Edit Delete",
            ],
            cy: [
                "",
                "Cy Cole cy@acme.com",
                "Acme",
                "VP Sales",
                "sales",
                "Vice president",
                "Champion",
                "Champion",
                "Active",
                "Medium",
                f"{today() - timedelta(days=366)} stale",
                "Edit Delete",
            ],
            di: [
                "",
                "Di Dunn",
                "Acme",
                "Buyer",
                "Procurement",
                "",
                "No persona",
                "—",
                "Active",
                "None",
                "never stale",
                "Edit Delete",
            ],
        }
        assert f'<a href="/t/alpha/accounts/{world["umbrella"].pk}/">Umbrella</a>' in html
        assert f'<input type="checkbox" name="ids" value="{ann}" form="bulk-form" aria-label="Select Ann Able">' in html

    def test_viewers_get_no_selection_boxes_and_no_edit_buttons(self, client_for, viewer_a, world):
        html = client_for(viewer_a).get("/t/alpha/api/contacts/", **DIRECTORY).content.decode()
        assert RowCells(html).rows[world["di"].pk] == [
            "Di Dunn",
            "Acme",
            "Buyer",
            "Procurement",
            "",
            "No persona",
            "—",
            "Active",
            "None",
            "never stale",
            "",
        ]
        assert 'name="ids"' not in html

    def test_the_account_page_keeps_its_own_layout(self, client_for, member_a, world):
        html = (
            client_for(member_a)
            .get(f"/t/alpha/api/contacts/?account={world['acme'].pk}", HTTP_HX_REQUEST="true")
            .content.decode()
        )
        assert len(RowCells(html).rows[world["di"].pk]) == 7
        assert 'name="ids"' not in html

    def test_empty_states(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        # The filter form sends its empty fields too: still "no contacts at all".
        nothing = client.get("/t/alpha/api/contacts/?search=&status=&ordering=last_name", **DIRECTORY)
        assert "No contacts yet." in nothing.content.decode()
        assert "“New contact”" in nothing.content.decode()
        ContactFactory(tenant=tenant_a, first_name="Eve")
        no_match = client.get("/t/alpha/api/contacts/?search=zzz&status=", **DIRECTORY).content.decode()
        assert "No contacts match." in no_match
        assert "No contacts yet." not in no_match

    def test_refused_filter_values_come_back_for_their_fields(self, client_for, member_a, world):
        """The filter form places each error next to its field (static/js/app.js reads these attributes)."""
        response = client_for(member_a).get("/t/alpha/api/contacts/?account_owner=abc&seniority=king", **DIRECTORY)
        assert response.status_code == 400
        errors = {
            attrs["data-field-error"]: attrs["data-message"]
            for tag, attrs in Tags(response.content.decode()).tags
            if "data-field-error" in attrs
        }
        assert errors == {
            "account_owner": "Enter a number.",
            "seniority": "Select a valid choice. king is not one of the available choices.",
        }
        assert "Something went wrong" not in response.content.decode()

    def test_edit_in_place_chooses_the_account(self, client_for, member_a, tenant_a, world):
        client = client_for(member_a)
        bob = world["bob"]
        form = client.get(f"/t/alpha/api/contacts/{bob.pk}/edit/", **DIRECTORY).content.decode()
        assert f'<tr id="contact-row-{bob.pk}" class="editing"><td colspan="12">' in form
        assert f'<option value="{world["umbrella"].pk}" selected>Umbrella</option>' in form
        assert f'<option value="{world["acme"].pk}">Acme</option>' in form
        assert 'type="hidden" name="account"' not in form
        saved = client.put(
            f"/t/alpha/api/contacts/{bob.pk}/",
            f"account={world['acme'].pk}&first_name=Bob&last_name=Baker&title=Engineer&status=active"
            "&relationship_strength=1&persona=",
            content_type="application/x-www-form-urlencoded",
            **DIRECTORY,
        )
        assert saved.status_code == 200
        cells = RowCells(saved.content.decode()).rows[bob.pk]
        assert (cells[2], cells[8], cells[9]) == ("Acme", "Active", "Weak")
        cancel = client.get(f"/t/alpha/api/contacts/{bob.pk}/row/", **DIRECTORY).content.decode()
        assert len(RowCells(cancel).rows[bob.pk]) == 12
        assert stored(tenant_a, "account__name", "status")[1] == ("Bob", "Acme", "active")

    def test_new_contact_form_preselects_the_filtered_account(self, client_for, member_a, world):
        client = client_for(member_a)
        form = client.get(f"/t/alpha/api/contacts/new/?account={world['acme'].pk}", **DIRECTORY).content.decode()
        assert f'<option value="{world["acme"].pk}" selected>Acme</option>' in form
        assert 'hx-post="/t/alpha/api/contacts/"' in form
        blank = client.get("/t/alpha/api/contacts/new/?account=", **DIRECTORY).content.decode()
        assert "Choose an account…" in blank
        assert " selected>" not in blank.split('name="account"')[1].split("</select>")[0]

    def test_create_needs_an_account_and_keeps_the_choice_on_errors(self, client_for, member_a, tenant_a, world):
        client = client_for(member_a)
        missing = client.post(
            "/t/alpha/api/contacts/", {"first_name": "Eve", "account": "", "persona": ""}, **DIRECTORY
        )
        assert missing.status_code == 400
        html = missing.content.decode()
        assert '<div class="field account-picker has-error">' in html
        assert '<p class="error">Choose the contact’s account.</p>' in html
        bad_email = client.post(
            "/t/alpha/api/contacts/",
            {"first_name": "Eve", "account": world["acme"].pk, "email": "ann@UMBRELLA.com", "persona": ""},
            **DIRECTORY,
        )
        assert bad_email.status_code == 400
        assert f'<option value="{world["acme"].pk}" selected>Acme</option>' in bad_email.content.decode()
        created = client.post(
            "/t/alpha/api/contacts/",
            {"first_name": "Eve", "last_name": "Evans", "account": world["acme"].pk, "persona": ""},
            **DIRECTORY,
        )
        assert created.status_code == 201
        assert created["HX-Trigger"] == "objectsChanged"
        assert "Contact “Eve Evans” added." in created.content.decode()
        assert ("Eve", "Acme") in stored(tenant_a, "account__name")


class TestAccountPicker:
    def test_search_narrows_and_keeps_the_selected_account(self, client_for, member_a, tenant_b, world):
        AccountFactory(tenant=tenant_b, name="Umbrella Bravo Secret")
        client = client_for(member_a)
        html = client.get("/t/alpha/contacts/account-options/?q=UMB&purpose=form").content.decode()
        assert " ".join(html.split()) == (
            f'<option value="">Choose an account…</option> <option value="{world["umbrella"].pk}">Umbrella</option>'
        )
        kept = client.get(
            f"/t/alpha/contacts/account-options/?q=umb&account={world['acme'].pk}&purpose=filter"
        ).content.decode()
        assert " ".join(kept.split()) == (
            '<option value="">Any account</option> '
            f'<option value="{world["acme"].pk}" selected>Acme</option> '
            f'<option value="{world["umbrella"].pk}">Umbrella</option>'
        )

    def test_offers_a_limited_number_and_says_when_there_are_more(self, client_for, member_a, world, monkeypatch):
        monkeypatch.setattr(selectors, "ACCOUNT_CHOICES_LIMIT", 1)
        html = " ".join(client_for(member_a).get("/t/alpha/contacts/account-options/").content.decode().split())
        assert html == (
            '<option value="">Choose an account…</option> '
            f'<option value="{world["acme"].pk}">Acme</option> '
            '<option value="" disabled>… type a name to find more accounts</option>'
        )

    def test_another_workspaces_account_is_never_selected(self, client_for, member_a, tenant_b, world):
        foreign = AccountFactory(tenant=tenant_b, name="Bravo Secret")
        html = client_for(member_a).get(f"/t/alpha/contacts/account-options/?account={foreign.pk}").content.decode()
        assert "Bravo Secret" not in html
        assert " selected" not in html


class TestBulkChanges:
    def test_mark_verified_today_records_history_with_the_user(self, client_for, member_a, tenant_a, world):
        ids = [world["cy"].pk, world["di"].pk]
        response = client_for(member_a).post(
            "/t/alpha/api/contacts/bulk/",
            {"ids": ids, "action": "mark_verified", "status": "", "persona": ""},
            **DIRECTORY,
        )
        assert response.status_code == 200
        assert response["HX-Trigger"] == "objectsChanged"
        assert '<p class="flash flash-success" role="status">2 contacts updated.</p>' in response.content.decode()
        assert stored(tenant_a, "last_verified_on") == [
            ("Ann", today() - timedelta(days=10)),
            ("Bob", today() - timedelta(days=365)),
            ("Cy", today()),
            ("Di", today()),
        ]
        with as_tenant(tenant_a):
            latest = Contact.history.filter(id=world["di"].pk).order_by("-history_id").first()
            assert (latest.last_verified_on, latest.history_user_id, latest.history_type) == (
                today(),
                member_a.pk,
                "~",
            )
            assert Contact.history.filter(id=world["di"].pk).count() == 2
            assert Contact.objects.get(pk=world["di"].pk).updated_by_id == member_a.pk

    def test_mark_verified_on_a_date_but_not_in_the_future(self, api_a, tenant_a, world):
        body = {"ids": [world["di"].pk], "action": "mark_verified"}
        earlier = today() - timedelta(days=3)
        response = api_a.post("/api/v1/contacts/bulk/", {**body, "verified_on": str(earlier)}, format="json")
        assert (response.status_code, response.json()) == (200, {"updated": 1})
        future = api_a.post(
            "/api/v1/contacts/bulk/", {**body, "verified_on": str(today() + timedelta(days=1))}, format="json"
        )
        assert (future.status_code, future.json()) == (
            400,
            {"verified_on": ["A verification date cannot be in the future."]},
        )
        assert stored(tenant_a, "last_verified_on")[3] == ("Di", earlier)

    def test_set_status(self, api_a, tenant_a, owner_a, world):
        ids = [world["ann"].pk, world["bob"].pk]
        response = api_a.post(
            "/api/v1/contacts/bulk/", {"ids": ids, "action": "set_status", "status": "left_company"}, format="json"
        )
        assert response.json() == {"updated": 2}
        assert stored(tenant_a, "status") == [
            ("Ann", "left_company"),
            ("Bob", "left_company"),
            ("Cy", "active"),
            ("Di", "active"),
        ]
        with as_tenant(tenant_a):
            latest = Contact.history.filter(id=world["ann"].pk).order_by("-history_id").first()
            assert (latest.status, latest.history_user_id) == ("left_company", owner_a.pk)  # the key's creator
        missing = api_a.post("/api/v1/contacts/bulk/", {"ids": ids, "action": "set_status"}, format="json")
        assert (missing.status_code, missing.json()) == (400, {"status": ["Choose the status to set."]})

    def test_set_persona_pins_it_and_null_hands_back_to_matching(self, api_a, tenant_a, world):
        ids = [world["ann"].pk, world["cy"].pk, world["di"].pk]
        pinned = api_a.post(
            "/api/v1/contacts/bulk/",
            {"ids": ids, "action": "set_persona", "persona": world["champion"].pk},
            format="json",
        )
        assert pinned.json() == {"updated": 3}
        fields = ("persona__name", "persona_overridden", "persona_match_reason")
        assert stored(tenant_a, *fields) == [
            ("Ann", "Champion", True, "Set by hand."),
            ("Bob", None, False, ""),
            ("Cy", "Champion", True, "Set by hand."),
            ("Di", "Champion", True, "Set by hand."),
        ]
        released = api_a.post(
            "/api/v1/contacts/bulk/", {"ids": ids, "action": "set_persona", "persona": None}, format="json"
        )
        assert released.json() == {"updated": 3}
        assert stored(tenant_a, *fields) == [
            ("Ann", "Finance leader", False, "title contains “CFO”"),
            ("Bob", None, False, ""),
            ("Cy", None, False, ""),
            ("Di", None, False, ""),
        ]
        unnamed = api_a.post("/api/v1/contacts/bulk/", {"ids": ids, "action": "set_persona"}, format="json")
        assert unnamed.json() == {"persona": ["Choose the persona to pin, or null for automatic matching."]}

    def test_input_errors_name_the_field_and_change_nothing(self, client_for, api_a, member_a, tenant_a, world):
        before = stored(tenant_a, "status", "last_verified_on")
        assert api_a.post("/api/v1/contacts/bulk/", {"action": "mark_verified"}, format="json").json() == {
            "ids": ["Select at least one contact."]
        }
        assert api_a.post("/api/v1/contacts/bulk/", {"ids": [], "action": "mark_verified"}, format="json").json() == {
            "ids": ["Select at least one contact."]
        }
        too_big = api_a.post("/api/v1/contacts/bulk/", {"ids": [2**63], "action": "mark_verified"}, format="json")
        assert too_big.json() == {"ids": {"0": ["Ensure this value is less than or equal to 9223372036854775807."]}}
        bogus = api_a.post("/api/v1/contacts/bulk/", {"ids": [world["ann"].pk], "action": "delete"}, format="json")
        assert bogus.json() == {"action": ['"delete" is not a valid choice.']}
        nothing_selected = client_for(member_a).post(
            "/t/alpha/api/contacts/bulk/", {"action": "mark_verified", "status": "", "persona": ""}, **DIRECTORY
        )
        assert nothing_selected.status_code == 400
        assert '<p class="flash flash-error" role="alert">Select at least one contact.</p>' in (
            nothing_selected.content.decode()
        )
        assert stored(tenant_a, "status", "last_verified_on") == before

    def test_read_only_key_and_viewer_cannot(self, api_a_read, client_for, viewer_a, tenant_a, world):
        body = {"ids": [world["di"].pk], "action": "mark_verified"}
        assert api_a_read.post("/api/v1/contacts/bulk/", body, format="json").status_code == 403
        assert client_for(viewer_a).post("/t/alpha/api/contacts/bulk/", body).status_code == 403
        assert stored(tenant_a, "last_verified_on")[3] == ("Di", None)


class TestSavedViews:
    def test_contact_views_keep_contact_filters_and_open_the_contacts_page(self, client_for, member_a):
        client = client_for(member_a)
        response = client.post(
            "/t/alpha/api/saved-views/",
            {"name": "Stale champions", "list": "contacts", "query": "stale=true&buying_role=champion&tier=1&search="},
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["list"], body["query"], body["url"]) == (
            "contacts",
            "stale=true&buying_role=champion",
            "/t/alpha/contacts/?stale=true&buying_role=champion",
        )
        # The same name on the other list is another view.
        assert (
            client.post("/t/alpha/api/saved-views/", {"name": "Stale champions", "query": "tier=1"}).status_code == 201
        )
        again = client.post("/t/alpha/api/saved-views/", {"name": "Stale champions", "list": "contacts"})
        assert again.json() == {"name": ["You already have a saved view with this name."]}

        def names(query):
            return [
                (view["name"], view["list"])
                for view in client.get(f"/t/alpha/api/saved-views/{query}").json()["results"]
            ]

        assert names("?list=contacts") == [("Stale champions", "contacts")]
        assert names("?list=accounts") == [("Stale champions", "accounts")]
        assert client.get("/t/alpha/api/saved-views/?list=deals").json() == {
            "list": ["Select a valid choice. deals is not one of the available choices."]
        }
        moved = client.patch(
            f"/t/alpha/api/saved-views/{body['id']}/", {"list": "accounts"}, content_type="application/json"
        )
        assert moved.json() == {"list": ["A saved view stays with its list; save a new view for another list."]}


class TestPage:
    def test_page_links_the_api_and_prefills_filters(self, client_for, member_a, world):
        acme = world["acme"].pk
        response = client_for(member_a).get(
            f"/t/alpha/contacts/?stale=true&account={acme}&no_persona=true&ordering=verified_sort&department=IT"
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert '<a href="/t/alpha/contacts/" aria-current="page">Contacts</a>' in html
        assert 'hx-headers=\'{"X-Contact-Layout": "directory"}\'' in html
        assert 'hx-get="/t/alpha/api/contacts/"' in html
        assert '<option value="true" selected>Needs re-verification</option>' in html
        assert f'<option value="{acme}" selected>Acme</option>' in html
        assert '<input type="checkbox" name="no_persona" value="true" checked>' in html
        assert '<option value="verified_sort" selected>Longest unverified first</option>' in html
        assert '<input name="department" list="departments" value="IT" placeholder="Any">' in html
        assert '<option value="Finance"><option value="IT"><option value="Procurement"><option value="sales">' in html
        assert 'hx-post="/t/alpha/api/contacts/bulk/"' in html

    def test_viewers_see_no_write_tools(self, client_for, viewer_a, world):
        html = client_for(viewer_a).get("/t/alpha/contacts/").content.decode()
        assert 'id="bulk-form"' not in html
        assert "New contact" not in html

    def test_anonymous_is_sent_to_log_in(self, client, tenant_a):
        response = client.get("/t/alpha/contacts/")
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/")


class TestIsolation:
    @pytest.mark.parametrize("url", ["/t/bravo/contacts/", "/t/bravo/contacts/account-options/"])
    def test_other_workspaces_pages_are_404(self, client_for, member_a, member_b, url):
        assert client_for(member_a).get(url).status_code == 404

    def test_bulk_with_another_workspaces_ids_is_refused_without_revealing_them(
        self, api_a, client_for, member_a, tenant_a, tenant_b, world
    ):
        foreign = ContactFactory(tenant=tenant_b, first_name="Bravo Secret", email="secret@bravo.com")
        before_b = stored(tenant_b, "last_verified_on", "status")
        before_a = stored(tenant_a, "last_verified_on", "status")
        ids = [world["ann"].pk, foreign.pk, 999999]
        response = api_a.post("/api/v1/contacts/bulk/", {"ids": ids, "action": "mark_verified"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"ids": [f"No contact with id {foreign.pk}, 999999 in this workspace."]}
        htmx = client_for(member_a).post(
            "/t/alpha/api/contacts/bulk/", {"ids": ids, "action": "set_status", "status": "bounced"}, **DIRECTORY
        )
        assert htmx.status_code == 400
        assert "Bravo Secret" not in htmx.content.decode()
        assert "secret@bravo.com" not in htmx.content.decode()
        assert stored(tenant_b, "last_verified_on", "status") == before_b
        assert stored(tenant_a, "last_verified_on", "status") == before_a

    def test_another_workspaces_persona_and_account_are_refused(self, api_a, tenant_b, world):
        foreign_persona = PersonaFactory(tenant=tenant_b, name="Bravo Secret")
        response = api_a.post(
            "/api/v1/contacts/bulk/",
            {"ids": [world["ann"].pk], "action": "set_persona", "persona": foreign_persona.pk},
            format="json",
        )
        assert response.json() == {"persona": [f"No persona with id {foreign_persona.pk} in this workspace."]}
        foreign_account = AccountFactory(tenant=tenant_b, name="Bravo Secret")
        ContactFactory(tenant=tenant_b, account=foreign_account)
        assert listed(api_a, f"?account={foreign_account.pk}") == []


class TestQueryBudget:
    """The same number of queries for 10 and 50 contacts (each at its own account, half with a persona).

    Budgets include the 4 queries of the request's transaction in a test transaction."""

    def count(self, client, url, **headers):
        client.get(url, **headers)  # warm up (cached department list)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        assert response.status_code == 200
        return len(queries)

    def make(self, tenant, owner, count):
        persona = PersonaFactory(tenant=tenant)
        for index in range(count):
            account = AccountFactory(tenant=tenant, owner=owner)
            ContactFactory(
                tenant=tenant,
                account=account,
                persona=persona if index % 2 else None,
                department=f"Dept {index}",
                last_verified_on=today() if index % 3 else None,
            )

    @pytest.mark.parametrize(
        ("url", "headers", "budget"),
        [
            # one list query (session, user and membership are cached after the warm-up)
            ("/t/alpha/api/contacts/?page_size=200&ordering=account_sort", DIRECTORY, 5),
            # account choices, personas, members (departments and the workspace switcher are cached)
            ("/t/alpha/contacts/?stale=true", {}, 7),
        ],
    )
    def test_page_and_fragment(self, client_for, member_a, tenant_a, owner_a, url, headers, budget):
        client = client_for(member_a)
        self.make(tenant_a, owner_a, 10)
        ten = self.count(client, url, **headers)
        self.make(tenant_a, owner_a, 40)
        fifty = self.count(client, url, **headers)
        assert ten == fifty == budget

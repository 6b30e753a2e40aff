import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abs_platform.jobs.models import Job
from accounts.models import Contact
from personas import services
from personas.models import CommitteeRequirement, Persona
from personas.tasks import personas_rematch
from tests.conftest import as_tenant
from tests.factories import CommitteeRequirementFactory, ContactFactory, PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db

PERSONA = {
    "name": "Finance leader",
    "description": "Owns the budget.",
    "decision_role": "economic_buyer",
    "preferred_channels": ["email", "events", "email"],
    "title_keywords": ["CFO", " finance ", "cfo"],
    "departments": ["Finance"],
    "seniorities": ["c_level", "vp"],
}


class TestCrud:
    def test_admin_creates_with_validated_lists(self, client_for, admin_a):
        response = client_for(admin_a).post("/t/alpha/api/personas/", PERSONA, content_type="application/json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert {key: body[key] for key in PERSONA} == {
            **PERSONA,
            "preferred_channels": ["email", "events"],
            "title_keywords": ["CFO", "finance"],
        }
        assert body["contacts_count"] == 0
        assert isinstance(body["rematch_job"], int)

    def test_members_and_viewers_only_read(self, client_for, member_a, viewer_a, api_a_read):
        for user in (member_a, viewer_a):
            client = client_for(user)
            assert client.post("/t/alpha/api/personas/", PERSONA, content_type="application/json").status_code == 403
            assert client.get("/t/alpha/api/personas/").status_code == 200
        assert api_a_read.post("/api/v1/personas/", PERSONA, format="json").status_code == 403

    def test_list_fields_are_validated(self, api_a):
        response = api_a.post(
            "/api/v1/personas/",
            {
                "name": "Bad",
                "title_keywords": "CFO",
                "departments": [1, {"x": 1}],
                "seniorities": ["king"],
                "preferred_channels": ["pigeon"],
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "title_keywords": ['Expected a list of items but got type "str".'],
            "departments": {"1": ["Not a valid string."]},
            "seniorities": {"0": ['"king" is not a valid choice.']},
            "preferred_channels": {"0": ['"pigeon" is not a valid choice.']},
        }

    def test_duplicate_name_is_refused_case_insensitively(self, api_a, tenant_a):
        PersonaFactory(tenant=tenant_a, name="Champion")
        response = api_a.post("/api/v1/personas/", {"name": "champion"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"name": ["A persona with this name already exists."]}

    def test_htmx_form_splits_comma_separated_keywords(self, client_for, admin_a, tenant_a):
        response = client_for(admin_a).post(
            "/t/alpha/api/personas/",
            "name=IT+leader&title_keywords=CIO%2C+CTO%2C+IT&departments=&seniorities=c_level&seniorities=vp"
            "&preferred_channels=email&decision_role=decision_maker",
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 201
        assert "Persona “IT leader” created." in response.content.decode()
        with as_tenant(tenant_a):
            persona = Persona.objects.get()
        assert (persona.title_keywords, persona.departments, persona.seniorities) == (
            ["CIO", "CTO", "IT"],
            [],
            ["c_level", "vp"],
        )

    def test_detail_fragment_shows_why_each_contact_matched(self, client_for, member_a, tenant_a):
        persona = PersonaFactory(tenant=tenant_a, name="Finance leader", title_keywords=["CFO"])
        ContactFactory(
            tenant=tenant_a,
            first_name="Carla",
            last_name="Ruiz",
            title="Group CFO",
            persona=persona,
            persona_match_reason="title contains “CFO”",
        )
        html = client_for(member_a).get(f"/t/alpha/api/personas/{persona.pk}/", HTTP_HX_REQUEST="true")
        text = html.content.decode()
        assert "<td>Carla Ruiz</td>" in text
        assert "<td>title contains “CFO”</td>" in text

    def test_persona_page(self, client_for, member_a):
        response = client_for(member_a).get("/t/alpha/personas/")
        assert response.status_code == 200
        assert "Buyer personas" in response.content.decode()


class TestRematch:
    def test_changing_rules_re_matches_automatic_contacts_in_chunks(self, tenant_a, admin_a):
        finance = PersonaFactory(tenant=tenant_a, name="Finance", title_keywords=["CFO"])
        pinned_to = PersonaFactory(tenant=tenant_a, name="Pinned")
        auto = [ContactFactory(tenant=tenant_a, title=f"CFO {index}", persona=finance) for index in range(5)]
        ContactFactory(tenant=tenant_a, title="Controller")
        pinned = ContactFactory(tenant=tenant_a, title="CFO", persona=pinned_to, persona_overridden=True)
        with as_tenant(tenant_a, admin_a):
            _, job = services.persona_update(persona=finance, title_keywords=["CFO", "controller"], seniorities=[])
        assert job is not None
        with as_tenant(tenant_a, admin_a):
            assert Job.objects.get(pk=job.pk).status == "queued"
        personas_rematch.apply(args=[tenant_a.pk, job.pk]).get()
        with as_tenant(tenant_a):
            rows = dict(Contact.objects.values_list("title", "persona__name"))
            reasons = set(
                Contact.objects.filter(persona_overridden=False).values_list("persona_match_reason", flat=True)
            )
            finished = Job.objects.get(pk=job.pk)
            history = Contact.objects.get(title="Controller").history.first()
        assert rows["Controller"] == "Finance"
        assert rows["CFO"] == "Pinned"
        assert all(rows[contact.title] == "Finance" for contact in auto)
        assert reasons == {"title contains “CFO”", "title contains “controller”"}
        assert (finished.status, finished.total, finished.done, finished.result) == (
            "succeeded",
            6,
            6,
            {"checked": 6, "changed": 6},
        )
        assert history.history_change_reason == "Persona re-match"
        assert pinned.pk not in [c.pk for c in auto]

    def test_rematch_is_idempotent_and_chunked(self, tenant_a):
        persona = PersonaFactory(tenant=tenant_a, name="IT", title_keywords=["CIO"])
        for _ in range(7):
            ContactFactory(tenant=tenant_a, title="CIO")
        with as_tenant(tenant_a):
            first = services.contacts_rematch(chunk_size=3)
            second = services.contacts_rematch(chunk_size=3)
            assert set(Contact.objects.values_list("persona", flat=True)) == {persona.pk}
        assert (first, second) == ({"checked": 7, "changed": 7}, {"checked": 7, "changed": 0})

    def test_queued_jobs_are_picked_up_by_the_running_one(self, tenant_a):
        PersonaFactory(tenant=tenant_a, name="IT", title_keywords=["CIO"])
        ContactFactory(tenant=tenant_a, title="CIO")
        with as_tenant(tenant_a):
            first = Job.objects.create(kind=services.REMATCH_JOB_KIND)
            second = Job.objects.create(kind=services.REMATCH_JOB_KIND)
        personas_rematch.apply(args=[tenant_a.pk, first.pk]).get()
        with as_tenant(tenant_a):
            assert list(Job.objects.order_by("pk").values_list("status", flat=True)) == ["succeeded", "succeeded"]
        assert second.pk > first.pk

    def test_job_progress_fragment(self, client_for, member_a, tenant_a):
        with as_tenant(tenant_a):
            job = Job.objects.create(kind=services.REMATCH_JOB_KIND, status="running", total=10, done=4)
        html = client_for(member_a).get(f"/t/alpha/personas/jobs/{job.pk}/").content.decode()
        assert 'hx-trigger="every 1s"' in html
        assert "4 / 10" in html


class TestCommittee:
    def test_admin_sets_requirements_per_tier(self, client_for, admin_a, member_a, tenant_a, tenant_b):
        tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
        persona = PersonaFactory(tenant=tenant_a, name="Finance leader")
        body = {"tier": tier.pk, "persona": persona.pk, "min_contacts": 2}
        member = client_for(member_a)
        assert (
            member.post("/t/alpha/api/committee-requirements/", body, content_type="application/json").status_code
            == 403
        )
        admin = client_for(admin_a)
        created = admin.post("/t/alpha/api/committee-requirements/", body, content_type="application/json")
        assert created.status_code == 201
        assert {key: created.json()[key] for key in ("tier_name", "persona_name", "min_contacts")} == {
            "tier_name": "Tier 1",
            "persona_name": "Finance leader",
            "min_contacts": 2,
        }
        again = admin.post("/t/alpha/api/committee-requirements/", body, content_type="application/json")
        assert again.json() == {"persona": ["This tier already requires this persona."]}
        zero = admin.post(
            "/t/alpha/api/committee-requirements/", {**body, "min_contacts": 0}, content_type="application/json"
        )
        assert zero.json() == {"min_contacts": ["Ensure this value is greater than or equal to 1."]}
        foreign_tier = TierFactory(tenant=tenant_b, rank=1)
        foreign = admin.post(
            "/t/alpha/api/committee-requirements/", {**body, "tier": foreign_tier.pk}, content_type="application/json"
        )
        assert foreign.json() == {"tier": [f"No tier with id {foreign_tier.pk} in this workspace."]}
        with as_tenant(tenant_a):
            assert CommitteeRequirement.objects.count() == 1
        html = member.get("/t/alpha/api/committee-requirements/", HTTP_HX_REQUEST="true").content.decode()
        assert "Finance leader × 2" in html

    def test_min_contacts_is_edited_in_place_on_the_personas_page(self, client_for, admin_a, member_a, tenant_a):
        requirement = CommitteeRequirementFactory(
            tenant=tenant_a,
            tier=TierFactory(tenant=tenant_a, rank=1, name="Tier 1"),
            persona=PersonaFactory(tenant=tenant_a, name="Finance leader"),
            min_contacts=1,
        )
        url = f"/t/alpha/api/committee-requirements/{requirement.pk}/"
        row = f'id="requirement-row-{requirement.pk}"'
        admin = client_for(admin_a)
        listing = admin.get("/t/alpha/api/committee-requirements/", HTTP_HX_REQUEST="true").content.decode()
        assert f'hx-get="{url}edit/" hx-target="#requirement-row-{requirement.pk}" hx-swap="outerHTML"' in listing

        form = admin.get(f"{url}edit/", HTTP_HX_REQUEST="true").content.decode()
        assert f'<li {row} class="editing">' in form
        assert f'hx-patch="{url}"' in form
        assert '<input name="min_contacts" type="number" value="1" step="any">' in form
        assert "Finance leader in Tier 1" in form
        assert 'name="tier"' not in form and 'name="persona"' not in form

        def patch(client, value):
            return client.patch(
                url, f"min_contacts={value}", content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true"
            )

        for value, message in [
            ("0", "Ensure this value is greater than or equal to 1."),
            ("51", "Ensure this value is less than or equal to 50."),
            ("two", "A valid integer is required."),
        ]:
            bad = patch(admin, value)
            assert bad.status_code == 400
            html = bad.content.decode()
            assert f'<li {row} class="editing">' in html  # the form again, in place
            assert '<div class="field has-error">' in html
            assert f'<input name="min_contacts" type="number" value="{value}" aria-invalid="true" step="any">' in html
            assert f'<p class="error">{message}</p>' in html
        member = Client()
        member.force_login(member_a)
        assert patch(member, "3").status_code == 403  # admins write, as in the API
        with as_tenant(tenant_a):
            assert CommitteeRequirement.objects.get().min_contacts == 1

        saved = patch(admin, "3")
        assert saved.status_code == 200
        html = saved.content.decode()
        assert f"<li {row}>Finance leader × 3" in html
        assert "editing" not in html
        with as_tenant(tenant_a):
            assert CommitteeRequirement.objects.get().min_contacts == 3
        cancel = admin.get(f"{url}row/", HTTP_HX_REQUEST="true").content.decode()
        assert f"<li {row}>Finance leader × 3" in cancel


class TestQueryBudget:
    @pytest.mark.parametrize(
        ("url", "budget"),
        [("/api/v1/personas/?page_size=200", 5), ("/api/v1/committee-requirements/?page_size=200", 5)],
    )
    def test_lists(self, api_a, tenant_a, url, budget):
        def make(count):
            tier = TierFactory(tenant=tenant_a)
            for _ in range(count):
                persona = PersonaFactory(tenant=tenant_a)
                ContactFactory(tenant=tenant_a, persona=persona)
                from tests.factories import CommitteeRequirementFactory

                CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=persona)

        def count():
            api_a.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert api_a.get(url).status_code == 200
            return len(queries)

        make(10)
        ten = count()
        make(90)
        assert ten == count() == budget


def test_deleting_a_persona_releases_pinned_contacts(api_a, tenant_a):
    persona = PersonaFactory(tenant=tenant_a, name="Gone")
    PersonaFactory(tenant=tenant_a, name="IT", title_keywords=["CIO"])
    pinned = ContactFactory(tenant=tenant_a, title="CIO", persona=persona, persona_overridden=True)
    assert api_a.delete(f"/api/v1/personas/{persona.pk}/").status_code == 204
    with as_tenant(tenant_a):
        contact = Contact.objects.get(pk=pinned.pk)
        assert (contact.persona_id, contact.persona_overridden) == (None, False)
        services.contacts_rematch()
        assert Contact.objects.get(pk=pinned.pk).persona.name == "IT"


def test_forms_render_for_admins(client_for, admin_a, tenant_a):
    TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    persona = PersonaFactory(
        tenant=tenant_a, name="IT", title_keywords=["CIO", "CTO"], seniorities=["vp"], preferred_channels=["email"]
    )
    client = client_for(admin_a)
    new = client.get("/t/alpha/api/personas/new/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-post="/t/alpha/api/personas/"' in new
    assert '<input type="checkbox" name="seniorities" value="c_level"> C-level' in new
    edit = client.get(f"/t/alpha/api/personas/{persona.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="title_keywords" type="text" value="CIO, CTO"' in edit
    assert '<input type="checkbox" name="seniorities" value="vp" checked> Vice president' in edit
    assert '<input type="checkbox" name="preferred_channels" value="email" checked> E-mail' in edit
    bad = client.put(
        f"/t/alpha/api/personas/{persona.pk}/",
        "name=IT&seniorities=king",
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400
    assert "is not a valid choice." in bad.content.decode()
    committee = client.get("/t/alpha/api/committee-requirements/new/", HTTP_HX_REQUEST="true").content.decode()
    assert "Tier 1" in committee and ">IT<" in committee

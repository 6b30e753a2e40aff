import pytest

from plays.models import PlayTemplate
from tests.conftest import as_tenant
from tests.factories import PersonaFactory, TierFactory

from .conftest import queries
from .factories import OfferFactory, PlayStepFactory, PlayTemplateFactory

pytestmark = pytest.mark.django_db


class TestOffers:
    def test_member_creates_and_filters(self, client_for, member_a, tenant_a):
        persona = PersonaFactory(tenant=tenant_a, name="CFO")
        client = client_for(member_a)
        response = client.post(
            "/t/alpha/api/offers/",
            {
                "name": "ROI report",
                "offer_format": "custom_report",
                "effort": "high",
                "personalization": "buyer",
                "lifecycle_stage": "decision",
                "personas": [persona.pk],
                "link": "https://example.com/roi",
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["persona_names"] == ["CFO"]
        OfferFactory(tenant=tenant_a, name="Webinar", offer_format="webinar", effort="medium")

        names = lambda query: [o["name"] for o in client.get(f"/t/alpha/api/offers/?{query}").json()["results"]]  # noqa: E731
        assert names("") == ["ROI report", "Webinar"]
        assert names("offer_format=webinar") == ["Webinar"]
        assert names("effort=high&personalization=buyer") == ["ROI report"]
        assert names(f"persona={persona.pk}") == ["ROI report"]
        assert names("lifecycle_stage=awareness") == []

    def test_duplicate_name_and_viewer_refused(self, client_for, member_a, viewer_a, tenant_a):
        OfferFactory(tenant=tenant_a, name="Demo")
        body = {"name": " demo ", "offer_format": "demo"}
        assert client_for(member_a).post("/t/alpha/api/offers/", body, content_type="application/json").json() == {
            "name": ["An offer with this name already exists."]
        }
        assert (
            client_for(viewer_a).post("/t/alpha/api/offers/", body, content_type="application/json").status_code == 403
        )

    def test_list_query_count_does_not_grow(self, client_for, member_a, tenant_a):
        personas = [PersonaFactory(tenant=tenant_a) for _ in range(3)]
        client = client_for(member_a)

        def add_offers(count):
            for _ in range(count):
                with as_tenant(tenant_a):
                    OfferFactory(tenant=tenant_a).personas.set(personas, through_defaults={"tenant": tenant_a})

        add_offers(2)
        few = queries(client, "/t/alpha/api/offers/")
        add_offers(10)
        assert queries(client, "/t/alpha/api/offers/") == few == 2


class TestTemplatesAndSteps:
    def test_template_with_audience(self, api_a, tenant_a):
        tier = TierFactory(tenant=tenant_a, name="Tier 1", rank=1)
        persona = PersonaFactory(tenant=tenant_a, name="CFO")
        response = api_a.post(
            "/api/v1/play-templates/",
            {
                "name": "Land Tier 1",
                "kind": "acquisition",
                "tiers": [tier.pk],
                "personas": [persona.pk],
                "buying_roles": ["economic_buyer", "champion", "economic_buyer"],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["tier_names"], body["persona_names"], body["buying_roles"], body["version"]) == (
            ["Tier 1"],
            ["CFO"],
            ["economic_buyer", "champion"],
            1,
        )

    def test_unknown_merge_field_is_refused_on_save_naming_field_and_step(self, api_a, tenant_a):
        template = PlayTemplateFactory(tenant=tenant_a)
        response = api_a.post(
            "/api/v1/play-steps/",
            {
                "template": template.pk,
                "position": 2,
                "name": "Intro e-mail",
                "day_offset": 0,
                "channel": "email",
                "team_role": "sdr",
                "message": "Hi {{ contact.first_name }}, about {{ account.revenue }}",
            },
            format="json",
        )
        assert response.status_code == 400
        message = response.json()["message"][0]
        assert message.startswith(
            "Step 2 (Intro e-mail): Unknown merge field {{ account.revenue }}. Use: account.domain"
        )

    def test_each_step_change_raises_the_version(self, api_a, tenant_a):
        template = PlayTemplateFactory(tenant=tenant_a)
        step = {"template": template.pk, "name": "Call", "channel": "phone", "team_role": "sdr", "day_offset": 2}
        created = api_a.post("/api/v1/play-steps/", step, format="json").json()
        assert created["position"] == 1
        api_a.patch(f"/api/v1/play-steps/{created['id']}/", {"message": "Hi {{ contact.first_name }}"}, format="json")
        api_a.delete(f"/api/v1/play-steps/{created['id']}/")
        with as_tenant(tenant_a):
            assert PlayTemplate.objects.get(pk=template.pk).version == 4

    def test_playbook_list_query_count_does_not_grow(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        tiers = [TierFactory(tenant=tenant_a, rank=rank) for rank in (1, 2)]

        def add_templates(count):
            for _ in range(count):
                template = PlayTemplateFactory(tenant=tenant_a)
                PlayStepFactory(tenant=tenant_a, template=template)
                with as_tenant(tenant_a):
                    template.tiers.set(tiers, through_defaults={"tenant": tenant_a})

        add_templates(2)
        few = queries(client, "/t/alpha/api/play-templates/")
        add_templates(10)
        assert queries(client, "/t/alpha/api/play-templates/") == few == 3

    def test_steps_filter_by_template_in_order(self, api_a, tenant_a):
        template = PlayTemplateFactory(tenant=tenant_a)
        PlayStepFactory(tenant=tenant_a, template=template, position=2, name="Second")
        PlayStepFactory(tenant=tenant_a, template=template, position=1, name="First")
        PlayStepFactory(tenant=tenant_a, name="Elsewhere")
        results = api_a.get(f"/api/v1/play-steps/?template={template.pk}").json()["results"]
        assert [step["name"] for step in results] == ["First", "Second"]


class TestPage:
    def test_empty_playbook_says_what_to_do_first(self, client_for, member_a):
        client = client_for(member_a)
        page = client.get("/t/alpha/plays/")
        assert page.status_code == 200
        assert 'href="/t/alpha/plays/"' in page.content.decode()
        fragment = client.get("/t/alpha/api/play-templates/", HTTP_HX_REQUEST="true").content.decode()
        assert "Create your first play template." in fragment

    def test_template_detail_lists_its_steps(self, client_for, member_a, tenant_a):
        template = PlayTemplateFactory(tenant=tenant_a, name="Nurture")
        PlayStepFactory(
            tenant=tenant_a, template=template, name="Send the report", message="Hi {{ contact.first_name }}"
        )
        client = client_for(member_a)
        steps = client.get(f"/t/alpha/api/play-steps/?template={template.pk}", HTTP_HX_REQUEST="true").content.decode()
        assert "Send the report" in steps
        assert "Hi {{ contact.first_name }}" in steps
        form = client.get(
            f"/t/alpha/api/play-steps/new/?template={template.pk}", HTTP_HX_REQUEST="true"
        ).content.decode()
        assert f'name="template" value="{template.pk}"' in form

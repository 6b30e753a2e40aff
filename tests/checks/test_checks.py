"""The coverage and data-decay checks on a small hand-built workspace: what they store, the tasks they open and
close, the figures of the summary (worked out by hand below), idempotency and the query budget of a run."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import workspace_today
from accounts.models import Account, Contact
from checks import events, selectors, services
from checks.models import CoverageResult, StaleMark, TierStaleness
from tasks.models import Task, TaskSource
from teams import services as team_services
from teams.models import TeamRole
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CommitteeRequirementFactory, ContactFactory, PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(tenant_a, owner_a, member_a):
    """Tier 1 requires one CFO and one CIO contact and an SDR on the account's team. Dates count back from today.

    * Alpha: complete. CFO and CIO verified 10 days ago; a team with member_a as SDR; verified 10 days ago.
    * Beta: no industry; CFO verified 340 days ago, no CIO; no team. Gaps: data, personas, team.
    * Gamma: firmographics verified 400 days ago; CFO verified 300 and CIO 280 days ago; the team. Gap: data.
    * Delta: not a target account (never checked).
    Stale contacts besides: Ed (Alpha) verified 400 days ago, Flo (Beta) never verified, Gil (Gamma) bounced,
    Hal (Alpha) left the company. Alpha's CFO and CIO, Ed, Gil and Gamma's CFO were created two years ago.
    """
    with as_tenant(tenant_a, owner_a):
        today = workspace_today()
        ago = lambda days: today - timedelta(days=days)  # noqa: E731
        tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
        cfo, cio = PersonaFactory(tenant=tenant_a, name="CFO"), PersonaFactory(tenant=tenant_a, name="CIO")
        CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=cfo)
        CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=cio)
        team_services.role_requirement_create(tier=tier, role=TeamRole.SDR)

        def account(name, verified, **fields):
            return AccountFactory(
                tenant=tenant_a, name=name, tier=tier, owner=owner_a, last_verified_on=ago(verified), **fields
            )

        alpha, beta, gamma = account("Alpha", 10), account("Beta", 10, industry=""), account("Gamma", 400)
        account("Delta", 900, is_target=False)

        def contact(name, at, persona=None, verified=None, **fields):
            return ContactFactory(
                tenant=tenant_a,
                account=at,
                first_name=name,
                persona=persona,
                last_verified_on=None if verified is None else ago(verified),
                **fields,
            )

        old = [
            contact("Ann", alpha, cfo, 10),
            contact("Bob", alpha, cio, 10),
            contact("Ed", alpha, None, 400),
            contact("Gil", gamma, None, 10, status="bounced"),
            contact("Cy", gamma, cfo, 300),
        ]
        contact("Bea", beta, cfo, 340)
        contact("Dee", gamma, cio, 280)
        contact("Flo", beta)
        contact("Hal", alpha, None, 10, status="left_company")
        Contact.objects.filter(pk__in=[c.pk for c in old]).update(created_at=timezone.now() - timedelta(days=730))
        team = team_services.team_create(name="Core")
        team_services.team_member_add(team=team, user=member_a, role=TeamRole.SDR)
        team_services.team_account_add(team=team, account=alpha)
        team_services.team_account_add(team=team, account=gamma)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "today": today}


def results(tenant):
    with as_tenant(tenant):
        return list(
            CoverageResult.objects.order_by("account__name").values_list(
                "account__name",
                "data_complete",
                "missing_fields",
                "firmographics_verified",
                "personas_required",
                "personas_covered",
                "team_complete",
                "missing_roles",
                "gaps",
            )
        )


def tasks(tenant, source):
    with as_tenant(tenant):
        return list(
            Task.objects.filter(source=source)
            .order_by("account__name", "contact__first_name")
            .values_list("account__name", "contact__first_name", "assignee__username", "team_role", "state")
        )


EXPECTED_RESULTS = [
    ("Alpha", True, [], True, 2, 2, True, [], []),
    ("Beta", False, ["industry"], True, 2, 1, False, ["sdr"], ["data", "personas", "team"]),
    ("Gamma", False, [], False, 2, 2, True, [], ["data"]),
]


class TestCoverageCheck:
    def test_stores_one_result_per_target_account_and_opens_one_task_per_account_with_a_gap(self, tenant_a, workspace):
        with as_tenant(tenant_a):
            counts = services.coverage_check()
        assert counts == {"accounts": 3, "with_gap": 2, "tasks_opened": 2, "tasks_closed": 0}
        assert results(tenant_a) == EXPECTED_RESULTS
        # Beta has no team: its owner gets the task; Gamma's team SDR gets Gamma's.
        assert tasks(tenant_a, TaskSource.COVERAGE) == [
            ("Beta", None, "owner_a", "", "open"),
            ("Gamma", None, "member_a", "sdr", "open"),
        ]

    def test_a_second_run_stores_the_same_results_and_opens_no_task(self, tenant_a, workspace):
        with as_tenant(tenant_a):
            services.coverage_check()
            ids = dict(CoverageResult.objects.values_list("account__name", "pk"))
            counts = services.coverage_check()
            assert dict(CoverageResult.objects.values_list("account__name", "pk")) == ids
        assert counts == {"accounts": 3, "with_gap": 2, "tasks_opened": 0, "tasks_closed": 0}
        assert results(tenant_a) == EXPECTED_RESULTS
        assert len(tasks(tenant_a, TaskSource.COVERAGE)) == 2

    def test_a_gap_closing_closes_its_task_and_a_new_gap_opens_one(self, tenant_a, workspace, member_a):
        with as_tenant(tenant_a):
            services.coverage_check()
            Account.objects.filter(name="Gamma").update(last_verified_on=workspace["today"])
            Account.objects.filter(name="Alpha").update(country="")
            counts = services.coverage_check()
            gamma_task = Task.objects.get(account__name="Gamma")
        assert counts == {"accounts": 3, "with_gap": 2, "tasks_opened": 1, "tasks_closed": 1}
        assert tasks(tenant_a, TaskSource.COVERAGE) == [
            ("Alpha", None, "member_a", "sdr", "open"),
            ("Beta", None, "owner_a", "", "open"),
            ("Gamma", None, "member_a", "sdr", "done"),
        ]
        assert gamma_task.instructions == (
            "Gaps: Account data.\n\n"
            f"Closed by the coverage check on {workspace['today'].isoformat()}: the account has no gap any more."
        )

    def test_an_account_no_longer_targeted_loses_its_result(self, tenant_a, workspace):
        with as_tenant(tenant_a):
            services.coverage_check()
            Account.objects.filter(name="Alpha").update(is_target=False)
            services.coverage_check()
        assert [row[0] for row in results(tenant_a)] == ["Beta", "Gamma"]

    def test_a_run_costs_the_same_queries_whatever_the_number_of_accounts(self, tenant_a, owner_a, workspace):
        def run():
            with as_tenant(tenant_a), CaptureQueriesContext(connection) as queries:
                services.coverage_check()
            return len(queries)

        few = run()
        with as_tenant(tenant_a, owner_a):
            CoverageResult.objects.all().delete()
            Task.objects.all().delete()
            tier = workspace["alpha"].tier
            for n in range(5):
                account = AccountFactory(tenant=tenant_a, name=f"More {n}", tier=tier, owner=owner_a, industry="")
                ContactFactory(tenant=tenant_a, account=account, persona=None)
        assert run() == few

    def test_the_workspace_summary_against_the_goals_and_the_projections(self, tenant_a, workspace):
        with as_tenant(tenant_a):
            services.coverage_check()
            summary = selectors.summary()
        # 1 of 3 accounts without a gap; 5 of 6 required personas covered (Beta lacks its CIO).
        assert {key: summary[key] for key in ("accounts", "without_gap", "accounts_percent", "accounts_goal")} == {
            "accounts": 3,
            "without_gap": 1,
            "accounts_percent": 33,
            "accounts_goal": 100,
        }
        assert (summary["personas_required"], summary["personas_covered"], summary["personas_percent"]) == (6, 5, 83)
        assert (summary["personas_goal"], summary["data_complete"], summary["team_complete"]) == (75, 1, 2)
        # In 30 days Bea (verified 340 days ago) has expired: 4 of 6. In 60 days still 4 (Cy, 300 days, holds
        # until day 65). In 90 days Cy and Dee (280 days, until day 85) have expired too: Alpha's 2 of 6.
        assert summary["projections"] == [
            {"days": 30, "personas_required": 6, "personas_covered": 4, "personas_percent": 66},
            {"days": 60, "personas_required": 6, "personas_covered": 4, "personas_percent": 66},
            {"days": 90, "personas_required": 6, "personas_covered": 2, "personas_percent": 33},
        ]


def marks(tenant):
    with as_tenant(tenant):
        return sorted(
            StaleMark.objects.values_list("account__name", "contact__first_name", "reason", "since", "cleared_on"),
            key=lambda row: (row[0], row[1] or ""),
        )


class TestDecayCheck:
    def test_marks_each_stale_record_with_its_reason_and_opens_one_task_per_record(self, tenant_a, workspace):
        today = workspace["today"]
        with as_tenant(tenant_a):
            counts = services.decay_check()
        assert counts == {"stale": 5, "marked": 5, "cleared": 0, "tasks_opened": 5, "tasks_closed": 0}
        assert marks(tenant_a) == [
            ("Alpha", "Ed", "expired", today - timedelta(days=35), None),  # verified 400 days ago, expired on day 365
            ("Alpha", "Hal", "left_company", today, None),
            ("Beta", "Flo", "unverified", today, None),
            ("Gamma", None, "firmographics", today - timedelta(days=35), None),
            ("Gamma", "Gil", "bounced", today, None),
        ]
        assert tasks(tenant_a, TaskSource.DECAY) == [
            ("Alpha", "Ed", "owner_a", "", "open"),
            ("Alpha", "Hal", "owner_a", "", "open"),
            ("Beta", "Flo", "owner_a", "", "open"),
            ("Gamma", "Gil", "owner_a", "", "open"),
            ("Gamma", None, "owner_a", "", "open"),  # its firmographics
        ]

    def test_a_tier_may_have_a_shorter_threshold_and_a_longer_one_does_not_apply(self, tenant_a, workspace):
        today = workspace["today"]
        with as_tenant(tenant_a):
            TierStaleness.objects.create(tier=workspace["alpha"].tier, stale_after_days=290)
            services.decay_check()
        # Bea (verified 340 days ago) and Cy (300) have expired at 290 days; Dee (280) has not. Ed's expiry moves
        # to day 290.
        assert [row for row in marks(tenant_a) if row[2] == "expired"] == [
            ("Alpha", "Ed", "expired", today - timedelta(days=110), None),
            ("Beta", "Bea", "expired", today - timedelta(days=50), None),
            ("Gamma", "Cy", "expired", today - timedelta(days=10), None),
        ]
        with as_tenant(tenant_a):
            TierStaleness.objects.update(stale_after_days=500)
            services.decay_check()
        # Longer than the workspace's 365 days: 365 applies. Bea and Cy are fresh again; Ed expired 35 days ago.
        assert [row for row in marks(tenant_a) if row[2] == "expired" and row[4] is None] == [
            ("Alpha", "Ed", "expired", today - timedelta(days=35), None),
        ]

    def test_a_second_run_changes_nothing_and_a_re_verified_record_is_cleared_and_its_task_closed(
        self, tenant_a, workspace
    ):
        today = workspace["today"]
        with as_tenant(tenant_a):
            services.decay_check()
            assert services.decay_check() == {
                "stale": 5,
                "marked": 0,
                "cleared": 0,
                "tasks_opened": 0,
                "tasks_closed": 0,
            }
            Contact.objects.filter(first_name="Ed").update(last_verified_on=today)
            assert services.decay_check() == {
                "stale": 4,
                "marked": 0,
                "cleared": 1,
                "tasks_opened": 0,
                "tasks_closed": 1,
            }
        assert marks(tenant_a)[0] == ("Alpha", "Ed", "expired", today - timedelta(days=35), today)
        assert tasks(tenant_a, TaskSource.DECAY)[0] == ("Alpha", "Ed", "owner_a", "", "done")

    def test_a_run_costs_the_same_queries_whatever_the_number_of_stale_records(self, tenant_a, owner_a, workspace):
        def run():
            with as_tenant(tenant_a), CaptureQueriesContext(connection) as queries:
                services.decay_check()
            return len(queries)

        few = run()
        with as_tenant(tenant_a, owner_a):
            StaleMark.objects.all().delete()
            Task.objects.all().delete()
            for n in range(5):
                account = AccountFactory(tenant=tenant_a, name=f"More {n}", owner=owner_a)
                ContactFactory(tenant=tenant_a, account=account, status="bounced")
        assert run() == few

    def test_the_summary_counts_stale_records_by_reason_and_the_decay_rate(self, tenant_a, workspace):
        today = workspace["today"]
        with as_tenant(tenant_a):
            services.decay_check()
            Contact.objects.filter(first_name="Ed").update(last_verified_on=today)
            services.decay_check()
            summary = selectors.summary()
        assert summary["stale_by_reason"] == {
            "expired": 0,
            "unverified": 1,
            "bounced": 1,
            "left_company": 1,
            "firmographics": 1,
        }
        # Five contacts existed a year ago (Ann, Bob, Ed, Gil, Cy); two of them became stale or invalid since:
        # Ed (expired 35 days ago, re-verified since: still counted) and Gil (bounced). Hal left, but was added
        # within the year.
        assert summary["decay"] == {
            "window_start": today - timedelta(days=365),
            "contacts_at_start": 5,
            "decayed": 2,
            "percent": 40,
            "expected_percent": 20,
        }


@pytest.fixture
def sent():
    """What the checks' events carried, per event, in order; each receiver also notes whether it ran inside the
    check's transaction."""
    calls = []

    def receiver(signal, sender, **kwargs):
        name = {events.coverage_gaps_opened: "opened", events.coverage_gaps_closed: "closed"}.get(signal, "stale")
        calls.append((name, sender, kwargs, connection.in_atomic_block))

    signals = (events.coverage_gaps_opened, events.coverage_gaps_closed, events.records_went_stale)
    for signal in signals:
        signal.connect(receiver, dispatch_uid="test_checks_sent")
    yield calls
    for signal in signals:
        signal.disconnect(dispatch_uid="test_checks_sent")


class TestEvents:
    def test_coverage_gaps_opened_and_closed_name_the_accounts_and_new_kinds_once_per_change(
        self, tenant_a, workspace, sent
    ):
        alpha, beta, gamma = (workspace[name].pk for name in ("alpha", "beta", "gamma"))
        with as_tenant(tenant_a):
            services.coverage_check()
            assert sent == [
                ("opened", CoverageResult, {"gaps": {beta: ["data", "personas", "team"], gamma: ["data"]}}, True)
            ]
            sent.clear()
            services.coverage_check()
            assert sent == []  # nothing changed: nothing sent
            Account.objects.filter(pk=gamma).update(last_verified_on=workspace["today"])
            Account.objects.filter(pk=alpha).update(country="")
            Account.objects.filter(pk=beta).update(industry="Software")  # Beta keeps its other gaps
            services.coverage_check()
        assert sent == [
            ("opened", CoverageResult, {"gaps": {alpha: ["data"]}}, True),
            ("closed", CoverageResult, {"account_ids": [gamma]}, True),
        ]

    def test_records_went_stale_carries_the_new_marks_once(self, tenant_a, workspace, sent):
        with as_tenant(tenant_a):
            services.decay_check()
            first = sorted(StaleMark.objects.values_list("pk", flat=True))
            assert sent == [("stale", StaleMark, {"mark_ids": first}, True)]
            sent.clear()
            services.decay_check()
            assert sent == []
            Contact.objects.filter(first_name="Bea").update(status="bounced")
            services.decay_check()
            bea = StaleMark.objects.get(contact__first_name="Bea").pk
        assert sent == [("stale", StaleMark, {"mark_ids": [bea]}, True)]


class TestApi:
    def test_run_answers_202_with_the_job_and_its_location(self, api_a, tenant_a, workspace):
        response = api_a.post("/api/v1/checks/coverage/run/")
        assert response.status_code == 202, response.json()
        job = response.json()
        assert (job["kind"], job["status"]) == ("coverage_check", "queued")
        assert response["Location"] == f"/api/v1/jobs/{job['id']}/"
        decay = api_a.post("/api/v1/checks/stale/run/")
        assert (decay.status_code, decay.json()["kind"]) == (202, "decay_check")

    def test_a_viewer_may_read_but_not_run(self, client_for, viewer_a, tenant_a, workspace):
        client = client_for(viewer_a)
        assert client.post("/t/alpha/api/checks/coverage/run/").status_code == 403
        assert client.get("/t/alpha/api/checks/coverage/").status_code == 200

    def test_results_filtered_by_gap_kind_and_tier(self, api_a, tenant_a, workspace):
        with as_tenant(tenant_a):
            services.coverage_check()

        def names(query):
            return [r["account_name"] for r in api_a.get(f"/api/v1/checks/coverage/{query}").json()["results"]]

        assert names("") == ["Alpha", "Beta", "Gamma"]
        assert names("?gap=data") == ["Beta", "Gamma"]
        assert names("?gap=personas") == ["Beta"]
        assert names("?gap=team") == ["Beta"]
        assert names(f"?tier={workspace['alpha'].tier_id}&gap=team") == ["Beta"]
        row = api_a.get("/api/v1/checks/coverage/?gap=personas").json()["results"][0]
        assert {key: row[key] for key in ("tier_name", "personas_required", "personas_covered", "gaps")} == {
            "tier_name": "Tier 1",
            "personas_required": 2,
            "personas_covered": 1,
            "gaps": ["data", "personas", "team"],
        }

    def test_stale_records_and_the_summary(self, api_a, tenant_a, workspace):
        with as_tenant(tenant_a):
            services.decay_check()
        stale = api_a.get("/api/v1/checks/stale/?reason=bounced").json()["results"]
        assert [(r["account_name"], r["contact_name"], r["reason"]) for r in stale] == [
            ("Gamma", "Gil Example", "bounced")
        ]
        accounts = api_a.get("/api/v1/checks/stale/?record=account").json()["results"]
        assert [(r["account_name"], r["reason"]) for r in accounts] == [("Gamma", "firmographics")]
        summary = api_a.get("/api/v1/checks/summary/").json()
        assert (summary["decay"]["percent"], summary["stale_by_reason"]["bounced"]) == (40, 1)
        assert summary["decay_checked_at"] is None  # run here without a job


def test_the_fan_out_queues_one_job_per_active_workspace(tenant_a, tenant_b, django_capture_on_commit_callbacks):
    from checks.tasks import coverage_check_all

    tenant_b.is_active = False
    tenant_b.save()
    with django_capture_on_commit_callbacks():
        assert coverage_check_all.run() == 1
    with as_tenant(tenant_a):
        assert list(Job.objects.values_list("kind", "task")) == [("coverage_check", "checks.coverage_check")]


class TestPage:
    def test_the_data_health_page_shows_the_figures_gaps_and_stale_records(self, client_for, member_a, workspace):
        with as_tenant(workspace["alpha"].tenant):
            services.coverage_check()
            services.decay_check()
        html = client_for(member_a).get("/t/alpha/data-health/").content.decode()
        assert "Coverage checked never" in html  # run here without a job
        assert "(1 of 3; goal 100 %)" in html
        assert "(5 of 6; goal 75 %)" in html
        assert "(2 of 5; expected about 20 %)" in html
        assert "<td>90 days</td><td>33 % (2 of 6)</td>" in html
        assert ">Beta</a>" in html and ">Alpha</a>" not in html
        assert "missing industry" in html and "<td>Bounced</td>" in html
        assert "Run coverage check now" in html

    def test_before_any_check_the_page_says_so_and_what_the_checks_do(self, client_for, member_a, viewer_a, workspace):
        html = client_for(member_a).get("/t/alpha/data-health/").content.decode()
        assert "Coverage has not been checked yet." in html
        assert "It runs every night, or now with “Run coverage check now”." in html
        assert "of target accounts without a gap" not in html and "No gaps found" not in html
        assert "Not checked yet: the decay check marks contacts and accounts" in html
        assert "It runs every night." in client_for(viewer_a).get("/t/alpha/data-health/").content.decode()

    def test_stale_records_are_counted_by_their_reasons_label(self, client_for, member_a, workspace):
        with as_tenant(workspace["alpha"].tenant):
            services.decay_check()
        html = client_for(member_a).get("/t/alpha/data-health/").content.decode()
        counts = html[html.index("<h2>Stale records</h2>") :].split("</p>")[0]
        assert counts.endswith(
            "<p>Not verified within the threshold: 1 · Never verified: 1 · Bounced: 1 · Left the company: 1 · "
            "Firmographics not verified within 12 months: 1"
        )
        assert "left_company" not in html

    def test_run_now_answers_htmx_with_the_progress_that_polls_itself(self, client_for, member_a, viewer_a, workspace):
        client = client_for(member_a)
        response = client.post("/t/alpha/api/checks/coverage/run/", HTTP_HX_REQUEST="true")
        assert response.status_code == 202
        with as_tenant(workspace["alpha"].tenant):
            job = Job.objects.get(kind="coverage_check")
        assert f'hx-get="/t/alpha/data-health/jobs/{job.pk}/"' in response.content.decode()
        assert "Checking…" in client.get(f"/t/alpha/data-health/jobs/{job.pk}/").content.decode()
        assert "Run coverage check now" not in client_for(viewer_a).get("/t/alpha/data-health/").content.decode()

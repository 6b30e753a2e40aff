"""The pages' hand-written reads (tenancy.rows.model_rows, tenancy.selectors.member_choices; ADR 0009) answer
what the ORM selectors answer, for the current workspace only."""

from datetime import timedelta

from django.forms.models import model_to_dict
from django.utils import timezone

from abs_platform.jobs.models import Job, JobStatus
from abs_platform.tenancy.selectors import member_choices, tenant_members
from icp import selectors
from tests.conftest import as_tenant
from tests.factories import IcpFactory, MembershipFactory, TierFactory, UserFactory


def fields(instances) -> list[dict]:
    """Every concrete field, as loaded (``model_to_dict`` leaves out the non-editable ones)."""
    return [{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} for obj in instances]


def test_versions_tiers_and_latest_job_equal_the_orm(tenant_a, tenant_b, member_a):
    for tenant in (tenant_a, tenant_b):
        IcpFactory(tenant=tenant, version=1, is_active=True, notes="<b>notes</b>")
        IcpFactory(tenant=tenant, version=2)
        TierFactory(tenant=tenant, rank=2, capacity=None)
        TierFactory(tenant=tenant, rank=1, capacity=25, description="Top")
    with as_tenant(tenant_a, member_a):
        now = timezone.now()
        Job.objects.create(kind=selectors.FIT_JOB_KIND, status=JobStatus.SUCCEEDED, result={"changed": 3})
        latest = Job.objects.create(kind=selectors.FIT_JOB_KIND, status=JobStatus.RUNNING, total=10, done=4)
        Job.objects.create(kind="other.kind")
        Job.objects.filter(pk=latest.pk).update(started_at=now - timedelta(minutes=1))
    with as_tenant(tenant_b):
        Job.objects.create(kind=selectors.FIT_JOB_KIND)  # newer, but another workspace's
    with as_tenant(tenant_a):
        versions = selectors.icp_versions()
        assert fields(versions) == fields(selectors.icp_list())
        assert [icp.version for icp in versions] == [2, 1] and {icp.tenant_id for icp in versions} == {tenant_a.pk}
        assert fields(selectors.tier_rows()) == fields(selectors.tier_list())
        assert [tier.rank for tier in selectors.tier_rows()] == [1, 2]
        job = selectors.fit_job_latest()
        assert job.pk == latest.pk and fields([job]) == fields([Job.objects.get(pk=latest.pk)])
        assert job.percent == 40 and not job.is_finished and not job._state.adding
        assert model_to_dict(job) == model_to_dict(Job.objects.get(pk=latest.pk))


def test_no_latest_job(tenant_a):
    with as_tenant(tenant_a):
        assert selectors.fit_job_latest() is None and selectors.icp_versions() == []


def test_member_choices_equal_the_members(tenant_a, tenant_b, member_a, viewer_a, member_b):
    nameless = UserFactory(username="aaa-nameless", first_name="", last_name="")
    MembershipFactory(tenant=tenant_a, user=nameless)
    with as_tenant(tenant_a):
        expected = [(user.pk, user.get_full_name() or user.username) for user in tenant_members()]
        assert member_choices() == expected
        assert expected[0] == (nameless.pk, "aaa-nameless") and member_b.pk not in {pk for pk, _ in expected}

"""The ICP page's latest scoring job is this workspace's newest fit-scoring run."""

from abs_platform.jobs.models import Job, JobStatus
from icp import selectors
from tests.conftest import as_tenant


def test_latest_fit_job_is_this_workspaces_newest(tenant_a, tenant_b, member_a):
    with as_tenant(tenant_a, member_a):
        Job.objects.create(kind=selectors.FIT_JOB_KIND, status=JobStatus.SUCCEEDED, result={"changed": 3})
        latest = Job.objects.create(kind=selectors.FIT_JOB_KIND, status=JobStatus.RUNNING, total=10, done=4)
        Job.objects.create(kind="other.kind")
    with as_tenant(tenant_b):
        Job.objects.create(kind=selectors.FIT_JOB_KIND)  # newer, but another workspace's
    with as_tenant(tenant_a):
        job = selectors.fit_job_latest()
        assert (job.pk, job.percent, job.is_finished) == (latest.pk, 40, False)


def test_no_latest_job(tenant_a):
    with as_tenant(tenant_a):
        assert selectors.fit_job_latest() is None

"""Job runs are readable with an API key, and a write that starts one points to it (id and Location)."""

import pytest

from tests.factories import AccountFactory, CriterionFactory, IcpFactory

pytestmark = pytest.mark.django_db


def test_activating_an_icp_answers_with_its_job_and_the_job_reads_back(api_a, api_b, tenant_a, monkeypatch):
    monkeypatch.setattr("abs_platform.jobs.services.job_send", lambda job: True)  # the job stays queued
    AccountFactory(tenant=tenant_a)
    draft = IcpFactory(tenant=tenant_a, version=1)
    CriterionFactory(tenant=tenant_a, icp=draft, kind="industry", params={"values": ["Software"]})

    activated = api_a.post(f"/api/v1/icps/{draft.pk}/activate/")
    job_id = activated.json()["job"]
    read = api_a.get(f"/api/v1/jobs/{job_id}/")
    listed = api_a.get("/api/v1/jobs/?kind=icp.fit_recompute&status=queued")

    assert (activated.status_code, activated["Location"]) == (200, f"/api/v1/jobs/{job_id}/")
    body = read.json()
    assert read.status_code == 200
    assert {key: body[key] for key in ("id", "kind", "status", "total", "done", "percent", "result", "error")} == {
        "id": job_id,
        "kind": "icp.fit_recompute",
        "status": "queued",
        "total": 0,
        "done": 0,
        "percent": 0,
        "result": {},
        "error": "",
    }
    assert [row["id"] for row in listed.json()["results"]] == [job_id]
    assert api_b.get(f"/api/v1/jobs/{job_id}/").status_code == 404
    assert api_a.get("/api/v1/jobs/?status=sleeping").status_code == 400

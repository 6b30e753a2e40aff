"""The job runs' read-only API: how far an import, a fit-score recompute or a persona re-match has got, and
what it found. Writes that start a job answer with its id and a ``Location`` pointing here."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from abs_platform.jobs import selectors
from abs_platform.jobs.models import Job
from abs_platform.tenancy.models import Role


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, help_text="0–100; 100 once succeeded.")

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "total",
            "done",
            "percent",
            "result",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background job runs of the workspace, newest first: `status` (`queued`, `running`, `succeeded`,
    `failed`), progress (`done` of `total`, `percent`), `result` once succeeded, `error` once failed.
    Filters: `kind`, `status`."""

    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return Job.all_tenants.none()
        return selectors.job_list()


def job_location(request, job_id: int) -> str:
    """The URL of a job in the API the request came through (``/api/v1/`` or the dashboard's ``/t/<slug>/api/``)."""
    match = request.resolver_match
    kwargs = {"pk": job_id} | ({"tenant_slug": match.kwargs["tenant_slug"]} if "tenant_slug" in match.kwargs else {})
    return reverse(f"{match.namespace}:job-detail", kwargs=kwargs)


class JobRunViewSet(viewsets.ViewSet):
    """``POST``: queue a run of a scheduled job now (members and above); 202 with the job and its ``Location``.
    Subclasses name the service that queues it (``enqueue``, returning the Job)."""

    read_role = Role.VIEWER
    enqueue = None

    def get_write_role(self):
        return Role.MEMBER

    @extend_schema(request=None, responses={202: JobSerializer})
    def create(self, request, *args, **kwargs):
        job = type(self).enqueue()
        return Response(
            JobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": job_location(request, job.pk)},
        )

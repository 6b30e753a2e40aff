from django.db import models
from django.db.models import Q

from abs_platform.tenancy.models import TenantOwnedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(TenantOwnedModel):
    """One run of a background job (bulk scoring, an import, a scheduled check): progress and outcome.

    Also the outbox entry of the Celery task that runs it (``task``, ``args``): written in the transaction
    that asks for the work, sent to the broker after the commit and again by the relay until a worker claims
    it (``services``, docs/decisions/0018).
    """

    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task = models.CharField(max_length=100, blank=True)
    args = models.JSONField(default=list, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "kind", "created_at"], name="job_tenant_kind"),
            # What the relay reads every minute: the few unfinished jobs.
            models.Index(
                fields=["tenant", "status"], condition=Q(status__in=("queued", "running")), name="job_pending"
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

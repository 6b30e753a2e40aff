from django.db.models import QuerySet

from .models import Job


def job_list() -> QuerySet[Job]:
    """The current workspace's job runs, newest first."""
    return Job.objects.order_by("-created_at", "-id")

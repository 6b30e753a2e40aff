from django.db.models.signals import post_save
from django.dispatch import receiver

from tasks.models import Task, TaskSource, TaskState

from .launching import play_run_settle
from .models import PlayRunTask


@receiver(post_save, sender=Task)
def settle_play_run(sender, *, instance, **kwargs):
    """A run is completed when the last of its tasks is done, skipped or cancelled."""
    if instance.source != TaskSource.PLAY or instance.state == TaskState.OPEN:
        return
    run_id = PlayRunTask.objects.filter(task_id=instance.pk).values_list("run_id", flat=True).first()
    if run_id is not None:
        play_run_settle(run_id)

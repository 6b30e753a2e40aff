from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import events
from tasks.models import Task, TaskSource, TaskState

from .launching import play_run_settle
from .models import PlayRunTask
from .triggers import signal_fire_rules


@receiver(post_save, sender=Task)
def settle_play_run(sender, *, instance, **kwargs):
    """A run is completed when the last of its tasks is done, skipped or cancelled."""
    if instance.source != TaskSource.PLAY or instance.state == TaskState.OPEN:
        return
    run_id = PlayRunTask.objects.filter(task_id=instance.pk).values_list("run_id", flat=True).first()
    if run_id is not None:
        play_run_settle(run_id)


@receiver(events.signal_changed)
def fire_trigger_rules(sender, *, instance, **kwargs):
    """A new (or retyped) signal on a target account sets off the rules of its type, each once per signal."""
    if instance.pk is not None:
        signal_fire_rules(instance)

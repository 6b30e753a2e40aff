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
def fire_trigger_rules(sender, *, instance, changed, **kwargs):
    """A new signal on a target account (or one given a new type or account) sets off the active rules of its
    type, each once per signal; editing an older signal's other fields sets off nothing."""
    if instance.pk is not None and changed & {"signal_type", "account"}:
        signal_fire_rules(instance)

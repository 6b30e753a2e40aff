"""What the tasks app tells the layers above (webhooks, metrics). Sent inside the write's transaction."""

from django.dispatch import Signal

# A task's day has come (its ``due_on`` reached); sent once per task by the scheduling job. ``tasks``: the tasks.
tasks_due = Signal()
# A task was completed (done). ``task``: the task.
task_completed = Signal()

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel
from accounts.models import ActivityChannel
from teams.models import TeamRole


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


class TaskSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    PLAY = "play", "Play"
    REVIEW = "review", "Account review"
    HAND_OFF = "hand_off", "Hand-off"
    TRIGGER = "trigger", "Trigger"
    COVERAGE = "coverage", "Coverage check"
    DECAY = "decay", "Decay check"


class Task(TenantOwnedModel):
    """One piece of work on an account, due on a day, for one assignee; completing it logs an Activity."""

    title = models.CharField(max_length=300)
    instructions = models.TextField(blank=True)
    message = models.TextField(blank=True, help_text="The rendered, personalized message to send.")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tasks")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    team_role = models.CharField(
        max_length=30, choices=TeamRole.choices, blank=True, help_text="The team role the task was given to."
    )
    channel = models.CharField(max_length=12, choices=ActivityChannel.choices, blank=True)
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    source = models.CharField(max_length=10, choices=TaskSource.choices, default=TaskSource.MANUAL)
    completed_at = models.DateTimeField(null=True, blank=True)
    activity = models.OneToOneField(
        "accounts.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task",
        help_text="The activity logged when the task was completed.",
    )
    became_due_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The day the scheduling job found its day had come."
    )
    reminded_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The last day its assignee was reminded that it is overdue."
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # My day and the task list: a user's open tasks by due date.
            models.Index(fields=["tenant", "assignee", "state", "due_on"], name="task_tenant_assignee"),
            models.Index(fields=["tenant", "account", "state", "due_on"], name="task_tenant_account"),
            # The touch-conflict guard: a contact's open tasks around a day.
            models.Index(fields=["tenant", "contact", "due_on"], name="task_tenant_contact"),
            models.Index(fields=["tenant", "due_on", "id"], name="task_tenant_due"),
        ]

    def __str__(self):
        return self.title


class TouchLimit(TenantOwnedModel):
    """The workspace's touch-conflict guard: at most ``max_touches`` touches of one contact in any
    ``window_days`` consecutive days. Without a row the defaults apply (3 in 7)."""

    max_touches = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="N: touches allowed."
    )
    window_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="M: in this many days."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="touch_limit_one_per_tenant")]

    def __str__(self):
        return f"{self.max_touches} touches in {self.window_days} days"

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel
from accounts.models import ActivityChannel, SignalType
from teams.models import TeamRole

from .merge import compile_message


class OfferFormat(models.TextChoices):
    EMAIL = "email", "E-mail"
    VOICEMAIL = "voicemail", "Voicemail"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    BLOG_VIDEO_INFOGRAPHIC = "content", "Blog / video / infographic"
    REPORT = "report", "Report"
    CUSTOM_REPORT = "custom_report", "Custom report"
    WEBINAR = "webinar", "Webinar"
    WORKSHOP = "workshop", "Workshop"
    BUSINESS_CASE = "business_case", "Business case"
    DEMO = "demo", "Demo"
    PROPOSAL = "proposal", "Proposal"
    TRIAL = "trial", "Trial"
    WELCOME_CALL = "welcome_call", "Welcome call"
    TRAINING = "training", "Training"
    SURVEY = "survey", "Survey"
    QBR = "qbr", "QBR"
    USER_EVENT = "user_event", "User event"
    OTHER = "other", "Other"


class Effort(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Personalization(models.TextChoices):
    ACCOUNT = "account", "Account"
    PERSONA = "persona", "Persona"
    BUYER = "buyer", "Buyer"


class LifecycleStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
    ONBOARDING = "onboarding", "Onboarding"
    ADOPTION = "adoption", "Adoption"
    EXPANSION = "expansion", "Expansion"
    ADVOCACY = "advocacy", "Advocacy"


class Offer(TenantOwnedModel):
    """A piece of content or an offer in the library, used by play steps."""

    name = models.CharField(max_length=200)
    offer_format = models.CharField(max_length=20, choices=OfferFormat.choices, verbose_name="format")
    effort = models.CharField(max_length=10, choices=Effort.choices, default=Effort.LOW)
    personalization = models.CharField(max_length=10, choices=Personalization.choices, default=Personalization.ACCOUNT)
    lifecycle_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    personas = models.ManyToManyField("personas.Persona", through="OfferPersona", blank=True, related_name="offers")
    link = models.URLField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "tenant",
                models.functions.Lower("name"),
                name="offer_name_unique_per_tenant",
                violation_error_message="An offer with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name


class OfferPersona(TenantOwnedModel):
    """A persona an offer suits (a tenant row, so the database keeps both ends in one workspace)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE)
    persona = models.ForeignKey("personas.Persona", on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "persona"], name="offer_persona_unique")]


class PlayKind(models.TextChoices):
    ACQUISITION = "acquisition", "Acquisition"
    EXPANSION = "expansion", "Expansion"
    NURTURE = "nurture", "Nurture"
    AD_HOC = "ad_hoc", "Ad hoc (trigger event)"
    ONBOARDING = "onboarding", "Onboarding"
    ADOPTION = "adoption", "Adoption"
    QBR = "qbr", "QBR"


class PlayTemplate(TenantOwnedModel):
    """A play of the playbook. ``version`` goes up with every change to its steps; a run keeps the steps of the
    version it was launched with (ADR 0027)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlayKind.choices)
    description = models.TextField(blank=True)
    tiers = models.ManyToManyField("icp.Tier", through="PlayTemplateTier", blank=True, related_name="play_templates")
    personas = models.ManyToManyField(
        "personas.Persona", through="PlayTemplatePersona", blank=True, related_name="play_templates"
    )
    buying_roles = models.JSONField(default=list, blank=True)
    skip_weekends = models.BooleanField(
        default=True, help_text="Day offsets count working days: no step falls on a Saturday or Sunday."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "tenant",
                models.functions.Lower("name"),
                name="play_template_name_unique_per_tenant",
                violation_error_message="A play template with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name


class PlayTemplateTier(TenantOwnedModel):
    template = models.ForeignKey(PlayTemplate, on_delete=models.CASCADE)
    tier = models.ForeignKey("icp.Tier", on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "tier"], name="play_template_tier_unique")]


class PlayTemplatePersona(TenantOwnedModel):
    template = models.ForeignKey(PlayTemplate, on_delete=models.CASCADE)
    persona = models.ForeignKey("personas.Persona", on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "persona"], name="play_template_persona_unique")]


class PlayStep(TenantOwnedModel):
    """One step of a play: on day ``day_offset`` after launch, the team member holding ``team_role`` does it,
    once per contact of the audience."""

    template = models.ForeignKey(PlayTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=200)
    day_offset = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(365)])
    channel = models.CharField(max_length=20, choices=ActivityChannel.choices)
    team_role = models.CharField(max_length=30, choices=TeamRole.choices)
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="steps")
    instructions = models.TextField(blank=True)
    message = models.TextField(blank=True, help_text="Merge fields such as {{ contact.first_name }}.")

    class Meta:
        ordering = ["template", "position", "day_offset", "id"]
        indexes = [models.Index(fields=["tenant", "template", "position"], name="playstep_tenant_template")]

    def __str__(self):
        return f"{self.position}. {self.name}"

    def clean(self):
        """An unknown merge field is an error when the step is saved, naming the field and the step."""
        try:
            compile_message(self.message)
        except ValidationError as error:
            raise ValidationError(
                {"message": [f"Step {self.position} ({self.name}): {message}" for message in error.messages]}
            ) from None


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_RUN_STATES = (RunState.RUNNING, RunState.PAUSED)


class PlayRun(TenantOwnedModel):
    """A play launched on one account. ``steps`` is the template's steps as they were at launch (version
    ``template_version``): later edits of the template do not change a run (ADR 0027)."""

    template = models.ForeignKey(PlayTemplate, on_delete=models.PROTECT, related_name="runs")
    template_version = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="play_runs")
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    skip_weekends = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    signal = models.ForeignKey(
        "accounts.Signal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="play_runs",
        help_text="The trigger event that launched it, if a trigger rule did.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "template", "account"],
                condition=models.Q(state__in=OPEN_RUN_STATES),
                name="play_run_one_open_per_account",
                violation_error_message="This play is already running on this account.",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "state", "started_at"], name="playrun_tenant_state"),
            models.Index(fields=["tenant", "account", "started_at"], name="playrun_tenant_account"),
        ]

    def __str__(self):
        return f"{self.template} on {self.account}"


class PlayRunTask(TenantOwnedModel):
    """A task a run made, for one step (and one contact). ``held``: cancelled by a pause, reopened by resume."""

    run = models.ForeignKey(PlayRun, on_delete=models.CASCADE, related_name="run_tasks")
    task = models.OneToOneField("tasks.Task", on_delete=models.CASCADE, related_name="play_run_task")
    step_position = models.PositiveSmallIntegerField()
    held = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "step_position", "id"]


class TriggerAction(models.TextChoices):
    SUGGEST = "suggest", "Suggest the play to the account's AE"
    LAUNCH = "launch", "Launch the play"


class TriggerRule(TenantOwnedModel):
    """A signal of ``signal_type`` on a target account suggests (a task for the account's AE) or launches
    ``template``."""

    signal_type = models.CharField(max_length=20, choices=SignalType.choices)
    template = models.ForeignKey(PlayTemplate, on_delete=models.CASCADE, related_name="trigger_rules")
    action = models.CharField(max_length=10, choices=TriggerAction.choices, default=TriggerAction.SUGGEST)
    active = models.BooleanField(default=True)
    max_signal_age_days = models.PositiveSmallIntegerField(
        "Signals up to (days old)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A signal that occurred longer ago sets nothing off: an old event entered today is history, "
        "not a reason to act.",
    )

    class Meta:
        ordering = ["signal_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "signal_type", "template"],
                name="trigger_rule_unique",
                violation_error_message="A rule for this signal type and play already exists.",
            )
        ]

    def __str__(self):
        return f"{self.get_signal_type_display()} → {self.template}"


class TriggerFiring(TenantOwnedModel):
    """A rule acted on a signal (once per rule and signal): the run it launched or the task suggesting it."""

    rule = models.ForeignKey(TriggerRule, on_delete=models.CASCADE, related_name="firings")
    signal = models.ForeignKey("accounts.Signal", on_delete=models.CASCADE, related_name="trigger_firings")
    run = models.ForeignKey(PlayRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "signal"], name="trigger_firing_once")]

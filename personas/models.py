from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel
from accounts.models import BuyingRole


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social"
    EVENTS = "events", "Events"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    ADS = "ads", "Ads"
    WEBINAR = "webinar", "Webinar"
    MEETING = "meeting", "Meeting"


class Persona(TenantOwnedModel):
    """A composite of a stakeholder type, and the rules that match contacts to it."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="A day in the life.")
    challenges = models.TextField(blank=True)
    objectives = models.TextField(blank=True)
    career_goals = models.TextField(blank=True)
    decision_role = models.CharField(
        max_length=20, choices=BuyingRole.choices, blank=True, help_text="Their usual role in the buying decision."
    )
    information_sources = models.TextField(blank=True, help_text="Where they get information.")
    preferred_channels = models.JSONField(default=list, blank=True)
    title_keywords = models.JSONField(
        default=list, blank=True, help_text="Words in a job title that match this persona, e.g. “CFO”, “finance”."
    )
    departments = models.JSONField(default=list, blank=True)
    seniorities = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "tenant",
                models.functions.Lower("name"),
                name="persona_name_unique_per_tenant",
                violation_error_message="A persona with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name


class CommitteeRequirement(TenantOwnedModel):
    """A tier's required buying committee: this persona, at least this many current contacts."""

    tier = models.ForeignKey("icp.Tier", on_delete=models.CASCADE, related_name="committee")
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="requirements")
    min_contacts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["tier__rank", "persona__name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "tier", "persona"], name="committee_requirement_unique")
        ]

    def __str__(self):
        return f"{self.tier}: {self.persona} ×{self.min_contacts}"

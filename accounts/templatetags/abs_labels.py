"""``{{ value|choice:"buying_role" }}``: the display label of a stored choice, for templates fed by serializer data."""

from datetime import date

from django import template
from django.utils.dateparse import parse_datetime

from abs_platform.tenancy.context import workspace_today

from ..freshness import needs_verification as _needs_verification
from ..models import (
    ActivityChannel,
    ActivityDirection,
    BuyingRole,
    ContactStatus,
    OpportunityKind,
    OpportunityStage,
    RelationshipStrength,
    Seniority,
    SignalType,
    TechnologyRelation,
)

register = template.Library()

CHOICES = {
    "buying_role": dict(BuyingRole.choices),
    "contact_status": dict(ContactStatus.choices),
    "seniority": dict(Seniority.choices),
    "relationship_strength": {str(value): label for value, label in RelationshipStrength.choices},
    "signal_type": dict(SignalType.choices),
    "stage": dict(OpportunityStage.choices),
    "kind": dict(OpportunityKind.choices),
    "relation": dict(TechnologyRelation.choices),
    "activity_channel": dict(ActivityChannel.choices),
    "direction": dict(ActivityDirection.choices),
}


@register.filter
def choice(value, kind: str) -> str:
    if value in (None, ""):
        return ""
    return CHOICES[kind].get(str(value), str(value))


@register.filter
def error_list(errors) -> list[str]:
    """A field's errors as flat messages (a list field reports ``{index: [messages]}``)."""
    if isinstance(errors, dict):
        return [f"Item {int(key) + 1}: {message}" for key, messages in errors.items() for message in messages]
    return list(errors or [])


@register.filter
def as_datetime(value):
    """An ISO 8601 date-time from serializer data as a datetime (for the ``date`` filter); others unchanged."""
    if isinstance(value, str):
        try:
            return parse_datetime(value) or value
        except ValueError:
            return value
    return value


@register.filter
def needs_verification(last_verified_on) -> bool:
    """``accounts.freshness.needs_verification`` for a date or its ISO text (serializer data); "" or None: never."""
    if isinstance(last_verified_on, str):
        last_verified_on = date.fromisoformat(last_verified_on) if last_verified_on else None
    return _needs_verification(last_verified_on=last_verified_on, today=workspace_today())

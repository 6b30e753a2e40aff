"""``{{ value|play_choice:"format" }}``: the display label of a stored choice of plays' models."""

from django import template

from accounts.models import ActivityChannel, ActivityOutcome, BuyingRole
from teams.models import TeamRole

from ..models import Effort, LifecycleStage, OfferFormat, Personalization, PlayKind, RunState

register = template.Library()

CHOICES = {
    "offer_format": dict(OfferFormat.choices),
    "effort": dict(Effort.choices),
    "personalization": dict(Personalization.choices),
    "lifecycle_stage": dict(LifecycleStage.choices),
    "kind": dict(PlayKind.choices),
    "channel": dict(ActivityChannel.choices),
    "team_role": dict(TeamRole.choices),
    "buying_role": dict(BuyingRole.choices),
    "run_state": dict(RunState.choices),
    "outcome": dict(ActivityOutcome.choices),
}


@register.filter
def play_choice(value, kind: str) -> str:
    return CHOICES[kind].get(value, value)

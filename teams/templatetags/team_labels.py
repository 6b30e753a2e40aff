"""``{{ role|team_role }}``: the display label of a stored team role (serializer data)."""

from django import template

from ..models import TeamRole

register = template.Library()

ROLES = dict(TeamRole.choices)


@register.filter
def team_role(value) -> str:
    return ROLES.get(value, value)

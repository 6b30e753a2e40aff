"""``{{ channel|channel_label }}``: the display label of a stored preferred channel (serializer data)."""

from django import template

from ..models import Channel

register = template.Library()

CHANNELS = dict(Channel.choices)


@register.filter
def channel_label(value) -> str:
    return CHANNELS.get(value, value)

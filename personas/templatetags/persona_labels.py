"""``{{ channel|channel_label }}``: the display label of a stored preferred channel (serializer data);
``{{ part|percent_of:whole }}``: a share in whole percents that never reads 0 % or 100 % when it is not."""

from django import template

from ..models import Channel

register = template.Library()

CHANNELS = dict(Channel.choices)


@register.filter
def channel_label(value) -> str:
    return CHANNELS.get(value, value)


@register.filter
def percent_of(part: int, whole: int) -> str:
    if not whole:
        return "—"
    if part in (0, whole):
        return f"{part * 100 // whole} %"
    return "<1 %" if part * 100 < whole else f"{min(part * 100 // whole, 99)} %"

"""How the account page shows an engagement figure against its baseline (``accounts.engagement.Change``).

A tag rather than a template partial: the page shows up to three per hierarchy row, and the partial's
branches cost more to render than the rest of a row.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.engagement import Change

register = template.Library()


@register.simple_tag
def change_badge(change: Change, window_days: int, compact: bool = False) -> str:
    """``▲ +3 (+50 %)``, ``▼ -1``, ``±0``, ``new`` or ``—``, titled with the baseline; ``compact`` leaves
    out the percentage."""
    trend = change.trend
    if trend == "none":
        return mark_safe('<span class="change change-none" title="Nothing in either period">—</span>')
    if trend == "new":
        return format_html('<span class="change change-new" title="None in the {} days before">new</span>', window_days)
    if trend == "flat":
        return format_html(
            '<span class="change change-flat" title="Also {} in the {} days before">±0{}</span>',
            change.baseline,
            window_days,
            "" if compact else " (0 %)",
        )
    percent = "" if compact else f" ({change.percent:+d} %)"
    return format_html(
        '<span class="change change-{}" title="{} in the {} days before">{} {}{}</span>',
        trend,
        change.baseline,
        window_days,
        "▲" if trend == "up" else "▼",
        f"{change.absolute:+d}",
        percent,
    )

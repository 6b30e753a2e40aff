"""A picker's ``<option>`` elements, built in Python (ADR 0009).

The Accounts page draws nine pickers; their ``{% for %}`` loops, with a comparison per option for the
one selected, were a third of the page's rendering. Values and labels are escaped as the template
engine's autoescaping would (``list_rows.escape``).
"""

from django import template
from django.utils.safestring import mark_safe

from abs_platform.tenancy.markup import escape

register = template.Library()


@register.simple_tag
def options(choices, selected="", *, values=True) -> str:
    """``<option value="V">L</option>`` per ``(V, L)`` of ``choices``, with `` selected`` on the options whose
    value, as text, equals ``selected`` (a query parameter, say). ``values=False``: ``choices`` are plain
    labels, each its own value, drawn as ``<option>L</option>``."""
    selected, drawn = str(selected), []
    for choice in choices:
        value, label = (choice, choice) if not values else choice
        value = str(value)
        mark = " selected" if value == selected and selected != "" else ""
        attribute = f' value="{escape(value)}"' if values else ""
        drawn.append(f"<option{attribute}{mark}>{escape(label)}</option>")
    return mark_safe("".join(drawn))  # noqa: S308 -- every value and label in it is escaped

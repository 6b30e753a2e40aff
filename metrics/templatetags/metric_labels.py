"""``{{ value|ratio }}``: a metric's ratio (0–1) as a percentage in the reader's locale, "—" when undefined
(``None``: nothing to divide by), never 0 %."""

from babel.numbers import format_percent
from django import template

from abs_platform.web.numbers import current_locale

register = template.Library()


@register.filter
def ratio(value) -> str:
    if value is None or value == "":
        return "—"
    return format_percent(value, "#,##0.#%", locale=current_locale())

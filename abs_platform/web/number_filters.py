"""``{% load numbers %}``: ``{{ value|number }}`` (``85,000,000``) and ``{{ value|money:currency }}``
(``$349,500,000``), in the reader's locale (``abs_platform.web.numbers``)."""

from django import template

from .numbers import format_money, format_number

register = template.Library()

register.filter("number", format_number)


@register.filter
def money(value, currency: str) -> str:
    return format_money(value, currency)

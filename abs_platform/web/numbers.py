"""Numbers and money as the reader writes them, in the locale of the browser's ``Accept-Language``
(docs/decisions/0024): pages show ``85,000,000`` (``85.000.000`` in German) and money in the workspace currency
(``$349,500,000``); forms accept what a user types in that locale. JSON output stays plain numbers.

The locale is a context variable set per request by ``NumberLocaleMiddleware``, as Django's own translation is
per thread: filters and serializer fields read it without being handed the request.
"""

import copy
import functools
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, format_decimal, get_group_symbol, parse_decimal
from django.conf import settings
from django.db import models
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework import serializers

_locale: ContextVar[Locale | None] = ContextVar("number_locale", default=None)


@functools.cache
def default_locale() -> Locale:
    return Locale.parse(settings.LANGUAGE_CODE, sep="-")


@functools.lru_cache(maxsize=256)
def locale_from_header(header: str) -> Locale:
    """The first language of an ``Accept-Language`` header that names a known locale, else ``LANGUAGE_CODE``."""
    for tag, _quality in parse_accept_lang_header(header):
        if tag == "*":
            continue
        try:
            return Locale.parse(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
    return default_locale()


def current_locale() -> Locale:
    return _locale.get() or default_locale()


class NumberLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _locale.set(locale_from_header(request.headers.get("Accept-Language", "")))
        try:
            response = self.get_response(request)
        finally:
            _locale.reset(token)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ["Accept-Language"])
        return response


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def format_number(value) -> str:
    """Grouped in the reader's locale; empty for None; anything that is no number as it is."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    return str(value) if number is None else format_decimal(number, locale=current_locale())


def format_money(value, currency: str) -> str:
    """An amount in ``currency`` as the reader's locale writes it (``$349,500,000``, ``349.500.000 $``); whole
    amounts without cents."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    locale = current_locale()
    pattern = locale.currency_formats["standard"]
    if number == number.to_integral_value():
        pattern = copy.copy(pattern)
        pattern.frac_prec = (0, 0)
        return pattern.apply(number, locale, currency=currency, currency_digits=False)
    return pattern.apply(number, locale, currency=currency)


def parse_number(text: str) -> Decimal:
    """A number as typed in the reader's locale: grouping is optional but must be where the locale puts it
    (``1,5`` is refused in English rather than read as 15). Raises ``ValueError``."""
    locale = current_locale()
    text = text.strip()
    group = get_group_symbol(locale)
    if group.isspace():  # French groups with a narrow no-break space; people type a plain one
        text = text.replace(" ", group)
    try:
        return parse_decimal(text, locale=locale, strict=True)
    except NumberFormatError as error:
        raise ValueError(str(error)) from None


class LocalizedNumberMixin:
    """A DRF number field that also reads a string as the reader types it (``"85,000,000"``, ``"85.000.000"``
    in German); JSON numbers pass as they are and the output is unchanged. Forms show it as a text box (a
    browser's number box refuses grouping) with the value grouped (``FormFieldRenderer``)."""

    example = Decimal("85000000")

    def __init__(self, **kwargs):
        kwargs["style"] = {"input_type": "text", "inputmode": self.inputmode, **kwargs.get("style", {})}
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip():
            try:
                data = str(parse_number(data))
            except ValueError:
                raise serializers.ValidationError(
                    f"Enter a number as you write it, e.g. {format_number(self.example)}.", code="invalid"
                ) from None
        return super().to_internal_value(data)


class LocalizedIntegerField(LocalizedNumberMixin, serializers.IntegerField):
    inputmode = "numeric"


class LocalizedDecimalField(LocalizedNumberMixin, serializers.DecimalField):
    inputmode = "decimal"
    example = Decimal("349500000.50")


class LocalizedNumbersModelSerializer(serializers.ModelSerializer):
    """A model serializer whose integer and decimal fields read numbers as users type them."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.IntegerField: LocalizedIntegerField,
        models.PositiveIntegerField: LocalizedIntegerField,
        models.PositiveSmallIntegerField: LocalizedIntegerField,
        models.SmallIntegerField: LocalizedIntegerField,
        models.BigIntegerField: LocalizedIntegerField,
        models.PositiveBigIntegerField: LocalizedIntegerField,
        models.DecimalField: LocalizedDecimalField,
    }

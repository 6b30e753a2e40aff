"""What higher layers add to accounts' reads, without accounts importing them (docs/architecture.md,
"Layers"). Writes go the other way, as events (``accounts.events``).

Apps above accounts register in their ``AppConfig.ready()``:

* ``register_account_annotations(annotate)``: ``annotate(queryset) -> queryset`` adds fields to every
  account list and detail read (teams: the team names);
* ``register_account_section(section)``: a section of the account page, drawn from its own template with
  the context its ``context(account)`` answers (personas: the buying committee), in the page or, ``lazy``,
  loaded by the page after its first response.
* ``register_account_filter(name, apply)``: ``apply(queryset, value) -> queryset`` behind a filter of the
  account list that accounts declares without knowing how it is computed (personas: ``missing_persona``).
* ``register_account_page_field(AccountPageField(...))``: a read-only field of the account API whose values are
  read for a whole page of accounts at once (personas: ``missing_personas``; ADR 0040).

Committee coverage needs neither: personas stores it on the account (``Account.coverage_*``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import QuerySet
from rest_framework.fields import Field

_annotations: list[Callable[..., QuerySet]] = []
_sections: list["AccountSection"] = []
_filters: dict[str, Callable[[QuerySet, object], QuerySet]] = {}
_page_fields: list["AccountPageField"] = []


def register_account_annotations(annotate: Callable[..., QuerySet]) -> None:
    if annotate not in _annotations:
        _annotations.append(annotate)


def annotate_accounts(queryset: QuerySet) -> QuerySet:
    """``queryset`` with every registered annotation (in registration order)."""
    for annotate in _annotations:
        queryset = annotate(queryset)
    return queryset


@dataclass(frozen=True)
class AccountSection:
    """A section of the account page: ``template_name`` drawn with ``context(account)`` merged into the page's
    context. ``order`` places it among the others (smaller first). A ``lazy`` section (one whose context reads
    the database) is left out of the page's first response: the page loads it with ``?part=<name>``."""

    name: str
    template_name: str
    context: Callable[..., dict]
    order: int = 100
    lazy: bool = False


def register_account_section(section: AccountSection) -> None:
    if all(existing.name != section.name for existing in _sections):
        _sections.append(section)
        _sections.sort(key=lambda existing: existing.order)


def account_sections() -> list[AccountSection]:
    return list(_sections)


@dataclass(frozen=True)
class AccountPageField:
    """A read-only field ``name`` of the account API, shown by the serializer field ``field()`` (which the OpenAPI
    schema describes). ``values(rows)`` answers ``{account id: value}`` for every account of a page in one go;
    ``rows`` are the accounts as the serializer reads them: dicts of its own fields (the list) or accounts."""

    name: str
    field: Callable[[], Field]
    values: Callable[[list], Mapping[int, object]]


def register_account_page_field(page_field: AccountPageField) -> None:
    if all(existing.name != page_field.name for existing in _page_fields):
        _page_fields.append(page_field)


def account_page_fields() -> list[AccountPageField]:
    return list(_page_fields)


def add_page_values(rows: list) -> None:
    """Give each row (a dict or an account) the values of the registered page fields."""
    for page_field in _page_fields:
        values = page_field.values(rows)
        for row in rows:
            if isinstance(row, dict):
                row[page_field.name] = values[row["id"]]
            else:
                setattr(row, page_field.name, values[row.pk])


def register_account_filter(name: str, apply: Callable[[QuerySet, object], QuerySet]) -> None:
    _filters[name] = apply


def filter_accounts(name: str, queryset: QuerySet, value) -> QuerySet:
    """``queryset`` narrowed by the filter a higher layer registered as ``name``."""
    return _filters[name](queryset, value)

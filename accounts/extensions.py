"""What higher layers add to accounts' reads, without accounts importing them (docs/architecture.md,
"Layers"). Writes go the other way, as events (``accounts.events``).

Apps above accounts register in their ``AppConfig.ready()``:

* ``register_account_annotations(annotate)``: ``annotate(queryset, *, rollup) -> queryset`` adds fields to
  every account list and detail read (personas: committee coverage); with ``rollup=True``, for the
  hierarchy, the counts a subtree adds up instead (personas: ``coverage_required``, ``coverage_covered``);
* ``register_account_section(section)``: a section of the account page, drawn from its own template with
  the context its ``context(account)`` answers (personas: the buying committee);
* ``register_account_filter(name, apply)``: ``apply(queryset, value) -> queryset`` behind a filter of the
  account list that accounts declares without knowing how it is computed (personas: ``missing_persona``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

_annotations: list[Callable[..., QuerySet]] = []
_sections: list["AccountSection"] = []
_filters: dict[str, Callable[[QuerySet, object], QuerySet]] = {}


def register_account_annotations(annotate: Callable[..., QuerySet]) -> None:
    if annotate not in _annotations:
        _annotations.append(annotate)


def annotate_accounts(queryset: QuerySet, *, rollup: bool = False) -> QuerySet:
    """``queryset`` with every registered annotation (in registration order)."""
    for annotate in _annotations:
        queryset = annotate(queryset, rollup=rollup)
    return queryset


@dataclass(frozen=True)
class AccountSection:
    """A section of the account page: ``template_name`` drawn with ``context(account)`` merged into the page's
    context. ``order`` places it among the others (smaller first)."""

    name: str
    template_name: str
    context: Callable[..., dict]
    order: int = 100


def register_account_section(section: AccountSection) -> None:
    if all(existing.name != section.name for existing in _sections):
        _sections.append(section)
        _sections.sort(key=lambda existing: existing.order)


def account_sections() -> list[AccountSection]:
    return list(_sections)


def register_account_filter(name: str, apply: Callable[[QuerySet, object], QuerySet]) -> None:
    _filters[name] = apply


def filter_accounts(name: str, queryset: QuerySet, value) -> QuerySet:
    """``queryset`` narrowed by the filter a higher layer registered as ``name``."""
    return _filters[name](queryset, value)

"""Contact freshness, defined once: contact data decays by about 20 % a year, so a contact counts as
**current** only while it is active and was verified within the last ``FRESHNESS_DAYS`` days
(``last_verified_on >= today - FRESHNESS_DAYS``); a contact never verified is not current.

``current_q`` and ``needs_verification_q`` are the rule for queries (lists, filters, coverage);
``freshness`` labels each contact a query reads (annotate ``freshness=freshness(today)``);
``needs_verification`` tells it of one date already loaded.
"""

from datetime import date, timedelta

from django.db.models import Case, CharField, Q, Value, When

from .models import ContactStatus

FRESHNESS_DAYS = 365


def freshness_cutoff(today: date) -> date:
    """The oldest verification date that still counts as current."""
    return today - timedelta(days=FRESHNESS_DAYS)


def current_q(today: date) -> Q:
    """Contacts that are current on ``today``."""
    return Q(status=ContactStatus.ACTIVE, last_verified_on__gte=freshness_cutoff(today))


def needs_verification_q(today: date) -> Q:
    """Contacts due for re-verification on ``today``, whatever their status: never verified, or verified
    before the freshness window (the contact list's ``stale`` filter)."""
    return Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=freshness_cutoff(today))


def needs_verification(*, last_verified_on: date | None, today: date) -> bool:
    """``needs_verification_q`` for one contact."""
    return last_verified_on is None or last_verified_on < freshness_cutoff(today)


def freshness(today: date) -> Case:
    """A contact's label as a query expression: ``inactive`` (not active), ``unverified`` (never verified),
    ``current`` (verified within the window) or ``stale`` (verified too long ago)."""
    return Case(
        When(~Q(status=ContactStatus.ACTIVE), then=Value("inactive")),
        When(last_verified_on__isnull=True, then=Value("unverified")),
        When(last_verified_on__gte=freshness_cutoff(today), then=Value("current")),
        default=Value("stale"),
        output_field=CharField(),
    )

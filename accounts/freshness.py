"""Contact freshness, defined once: contact data decays by about 20 % a year, so a contact counts as
**current** only while it is active and was verified within the last ``FRESHNESS_DAYS`` days
(``last_verified_on >= today - FRESHNESS_DAYS``); a contact never verified is not current.

``current_q`` and ``needs_verification_q`` are the rule for queries (lists, filters, coverage);
``freshness`` and ``needs_verification`` label one contact already loaded.
"""

from datetime import date, timedelta

from django.db.models import Q

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


FRESHNESS_LABELS = ["current", "stale", "unverified", "inactive"]


def freshness_q(label: str, today: date) -> Q:
    """Contacts whose ``freshness`` on ``today`` is ``label`` (the contact list's ``freshness`` filter)."""
    active = Q(status=ContactStatus.ACTIVE)
    return {
        "current": current_q(today),
        "stale": active & Q(last_verified_on__lt=freshness_cutoff(today)),
        "unverified": active & Q(last_verified_on__isnull=True),
        "inactive": ~active,
    }[label]


def freshness(*, status: str, last_verified_on: date | None, today: date) -> str:
    """A label for one contact: ``current``, ``stale`` (verified too long ago), ``unverified`` or ``inactive``."""
    if status != ContactStatus.ACTIVE:
        return "inactive"
    if last_verified_on is None:
        return "unverified"
    return "current" if last_verified_on >= freshness_cutoff(today) else "stale"

"""Data health metrics (docs/metrics.md, "Data health"): the checks' figures (``checks.selectors``) for the
accounts the filters leave — open stale and invalid records by reason, the decay measured over the 12 months up
to the period's end against the expected ~20 %/year, and the persona coverage projected 30/60/90 days from today."""

from abs_platform.tenancy.context import workspace_today
from accounts.models import Account, Contact
from checks import selectors as checks
from checks.models import StaleMark, StaleReason

from ..filters import MetricFilters, ratio

INVALID = (StaleReason.BOUNCED, StaleReason.LEFT_COMPANY)
COLUMNS = ("reason", "label", "kind", "records")


def data_health(filters: MetricFilters) -> dict:
    """Six queries whatever the data: stale marks by reason, two for the decay rate, three projections."""
    by_reason = checks.stale_by_reason(StaleMark.objects.filter(filters.accounts_q("account__")))
    decay = checks.decay_rate(filters.end, Contact.objects.filter(filters.accounts_q("account__")))
    projections = checks.coverage_projections(workspace_today(), Account.objects.filter(filters.accounts_q()))
    invalid = sum(by_reason[reason] for reason in INVALID)
    return {
        "stale": sum(by_reason.values()) - invalid,
        "invalid": invalid,
        "decay": {
            "window_start": decay["window_start"],
            "window_end": filters.end,
            "contacts_at_start": decay["contacts_at_start"],
            "decayed": decay["decayed"],
            "rate": ratio(decay["decayed"], decay["contacts_at_start"]),
            "expected_rate": checks.EXPECTED_DECAY_PERCENT / 100,
        },
        "projections": [
            {
                "days": projection["days"],
                "personas_required": projection["personas_required"],
                "personas_covered": projection["personas_covered"],
                "personas_coverage": ratio(projection["personas_covered"], projection["personas_required"]),
            }
            for projection in projections
        ],
        "results": [
            {
                "reason": reason,
                "label": StaleReason(reason).label,
                "kind": "invalid" if reason in INVALID else "stale",
                "records": records,
            }
            for reason, records in by_reason.items()
        ],
    }

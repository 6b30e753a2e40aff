"""What every metric is asked for: a period and, optionally, one tier, team or owner.

Metrics take a ``MetricFilters`` and narrow their querysets with it, so the API, the pages and the CSV
downloads filter the same way. Zero denominators give ``None`` (``ratio``), shown as "—" on pages.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from rest_framework import serializers

from abs_platform.tenancy.context import workspace_today, workspace_zone
from abs_platform.tenancy.selectors import tenant_memberships
from abs_platform.web.fields import TenantRelatedField
from icp.models import Tier
from teams.models import Team

DEFAULT_PERIOD_DAYS = 90
PERIOD_PRESETS = {"30d": 30, "90d": 90, "180d": 180, "365d": 365}
MAX_PERIOD_DAYS = 3 * 366
FORMAT_PARAM = "format"


def ratio(numerator, denominator, digits: int = 4) -> float | None:
    """``numerator / denominator`` rounded, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return round(float(numerator) / float(denominator), digits)


def day_start(day: date) -> datetime:
    """The first instant of ``day`` in the workspace's time zone."""
    return datetime.combine(day, time.min, tzinfo=workspace_zone())


@dataclass(frozen=True)
class MetricFilters:
    """A period (both ends included) and the optional account narrowing."""

    start: date
    end: date
    tier: int | None = None
    team: int | None = None
    owner: int | None = None

    @classmethod
    def default(cls) -> "MetricFilters":
        end = workspace_today()
        return cls(start=end - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end=end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def accounts_q(self, prefix: str = "") -> Q:
        """Narrow accounts (``prefix=""``) or rows reaching them (``prefix="account__"``) by tier, team and owner."""
        q = Q()
        if self.tier is not None:
            q &= Q(**{f"{prefix}tier_id": self.tier})
        if self.team is not None:
            q &= Q(**{f"{prefix}team_links__team_id": self.team})
        if self.owner is not None:
            q &= Q(**{f"{prefix}owner_id": self.owner})
        return q

    def period_q(self, field: str, *, datetime: bool = False) -> Q:
        """Rows whose ``field`` (a date, or a datetime read in the workspace's time zone) falls in the period.

        Datetimes are compared with the period's instants in the workspace's zone, not the request's: API-key
        requests run in UTC and pages in the workspace's zone, and both must count the same rows."""
        if not datetime:
            return Q(**{f"{field}__range": (self.start, self.end)})
        return Q(**{f"{field}__gte": day_start(self.start), f"{field}__lt": day_start(self.end + timedelta(days=1))})

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "tier": self.tier,
            "team": self.team,
            "owner": self.owner,
        }


class MetricFilterSerializer(serializers.Serializer):
    """Query parameters of every metric: ``period`` (a preset) or ``start``/``end``; ``tier``, ``team``,
    ``owner`` (ids in this workspace). Errors name the parameter."""

    period = serializers.ChoiceField(choices=sorted(PERIOD_PRESETS), required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    tier = TenantRelatedField(model=Tier, required=False)
    team = TenantRelatedField(model=Team, required=False)
    owner = serializers.IntegerField(required=False, min_value=1)

    def validate_owner(self, value):
        if not tenant_memberships().filter(user_id=value).exists():
            raise serializers.ValidationError(f"No member of this workspace has id {value}.")
        return value

    def validate(self, attrs):
        today = workspace_today()
        if "period" in attrs:
            if "start" in attrs:
                raise serializers.ValidationError({"period": "Give either a period or a start, not both."})
            end = attrs.get("end", today)
            start = end - timedelta(days=PERIOD_PRESETS[attrs["period"]] - 1)
        else:
            end = attrs.get("end", today)
            start = attrs.get("start", end - timedelta(days=DEFAULT_PERIOD_DAYS - 1))
        if start > end:
            raise serializers.ValidationError({"start": "The start must be on or before the end."})
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"start": f"A period spans at most {MAX_PERIOD_DAYS} days."})
        attrs["start"], attrs["end"] = start, end
        return attrs

    def filters(self) -> MetricFilters:
        data = self.validated_data
        return MetricFilters(
            start=data["start"],
            end=data["end"],
            tier=data["tier"].pk if data.get("tier") else None,
            team=data["team"].pk if data.get("team") else None,
            owner=data.get("owner"),
        )


def metric_filters(query_params, extra: tuple[str, ...] = ()) -> MetricFilters:
    """Parse and validate the request's filters (400 naming the parameter on bad input). Parameters other than
    the filters, ``format`` and the metric's own ``extra`` ones are refused, as every list refuses them."""
    accepted = {*MetricFilterSerializer().fields, FORMAT_PARAM, *extra}
    unknown = sorted(name for name in query_params if name not in accepted)
    if unknown:
        message = f"Unknown query parameter. Use one of: {', '.join(sorted(accepted))}."
        raise serializers.ValidationError({name: [message] for name in unknown})
    serializer = MetricFilterSerializer(data=query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.filters()

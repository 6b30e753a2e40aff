"""Fit-score maths: plain functions over plain data, shared by the API, pages, admin and workers.

The score of an account against an ICP is

    score = round_half_up(100 × Σ weights of matched criteria / Σ weights of all criteria)

and 0 when any must-have criterion misses. The explanation lists every
criterion with whether it matched, the points it contributed (its share of
the 100 points, 0 when it missed or the account is disqualified) and why.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

KIND_INDUSTRY = "industry"
KIND_EMPLOYEES = "employees"
KIND_REVENUE = "revenue"
KIND_COUNTRY = "country"
KIND_COMPANY_TYPE = "company_type"
KIND_GROWTH = "growth"
KIND_TECHNOLOGY = "technology"
KIND_TRIGGER_EVENT = "trigger_event"
KIND_EXISTING_CUSTOMER = "existing_customer"

RANGE_KINDS = {
    KIND_EMPLOYEES: ("employee_count", "Employees"),
    KIND_REVENUE: ("annual_revenue", "Annual revenue"),
    KIND_GROWTH: ("growth_rate", "Growth %"),
}
SET_KINDS = {
    KIND_INDUSTRY: ("industry", "Industry"),
    KIND_COUNTRY: ("country", "Country"),
    KIND_COMPANY_TYPE: ("company_type", "Company type"),
}
TECHNOLOGY_MODES = ("any", "all", "none")
MATCH_THRESHOLD = 50  # an account "matches" the ICP when its fit score is at least this


@dataclass(frozen=True)
class AccountFacts:
    """What scoring needs to know about one account."""

    industry: str = ""
    employee_count: int | None = None
    annual_revenue: Decimal | None = None
    country: str = ""
    company_type: str = ""
    growth_rate: Decimal | None = None
    status: str = ""
    technology_ids: frozenset[int] = frozenset()
    signals: tuple[tuple[str, date], ...] = ()  # (signal type, occurred on)


@dataclass(frozen=True)
class CriterionSpec:
    kind: str
    params: dict
    weight: int
    must_have: bool = False
    label: str = ""


@dataclass(frozen=True)
class CriterionOutcome:
    label: str
    matched: bool
    points: float
    reason: str
    must_have: bool = False

    def as_dict(self) -> dict:
        return {
            "criterion": self.label,
            "matched": self.matched,
            "points": self.points,
            "reason": self.reason,
            "must_have": self.must_have,
        }


@dataclass(frozen=True)
class FitResult:
    score: int | None
    outcomes: list[CriterionOutcome] = field(default_factory=list)
    disqualified: bool = False

    @property
    def explanation(self) -> list[dict]:
        return [outcome.as_dict() for outcome in self.outcomes]


def round_half_up_ratio(numerator: int, denominator: int) -> int:
    """round(100 × numerator / denominator), halves rounded up, in exact integer arithmetic."""
    return (200 * numerator + denominator) // (2 * denominator)


# ---------------------------------------------------------------- parameters


def _number(value, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({"params": [f"“{name}” must be a number."]})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"params": [f"“{name}” must be a number."]}) from None
    if not number.is_finite():
        raise ValidationError({"params": [f"“{name}” must be a number."]})
    return number


def _plain(number: Decimal | None):
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _string_list(params: dict, key: str, what: str) -> list[str]:
    values = params.get(key)
    if not isinstance(values, list) or not values:
        raise ValidationError({"params": [f"Give “{key}”: a non-empty list of {what}."]})
    cleaned = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError({"params": [f"Every entry of “{key}” must be a non-empty text."]})
        if value.strip() not in cleaned:
            cleaned.append(value.strip())
    return cleaned


def clean_params(
    kind: str,
    params,
    *,
    technology_ids: set[int] | None = None,
    country_codes: set[str] | None = None,
    company_types: set[str] | None = None,
    signal_types: set[str] | None = None,
) -> dict:
    """Validate and normalize ``params`` for ``kind``; raises ValidationError({"params": [...]})."""
    if not isinstance(params, dict):
        raise ValidationError({"params": ["Parameters must be an object."]})
    if kind == KIND_INDUSTRY:
        return {"values": _string_list(params, "values", "industries")}
    if kind == KIND_COUNTRY:
        values = [value.upper() for value in _string_list(params, "values", "country codes (e.g. DE)")]
        unknown = [value for value in values if country_codes is not None and value not in country_codes]
        if unknown:
            raise ValidationError({"params": [f"Unknown country code(s): {', '.join(unknown)}."]})
        return {"values": values}
    if kind == KIND_COMPANY_TYPE:
        values = _string_list(params, "values", "company types")
        unknown = [value for value in values if company_types is not None and value not in company_types]
        if unknown:
            raise ValidationError(
                {"params": [f"Unknown company type(s): {', '.join(unknown)}; use {', '.join(sorted(company_types))}."]}
            )
        return {"values": values}
    if kind in RANGE_KINDS:
        low, high = _number(params.get("min"), "min"), _number(params.get("max"), "max")
        if low is None and high is None:
            raise ValidationError({"params": ["Give “min”, “max” or both."]})
        if low is not None and high is not None and low > high:
            raise ValidationError({"params": ["“min” cannot be greater than “max”."]})
        if kind != KIND_GROWTH and ((low is not None and low < 0) or (high is not None and high < 0)):
            raise ValidationError({"params": ["The range cannot be negative."]})
        return {"min": _plain(low), "max": _plain(high)}
    if kind == KIND_TECHNOLOGY:
        mode = params.get("mode", "any")
        if mode not in TECHNOLOGY_MODES:
            raise ValidationError({"params": ["“mode” must be one of any, all, none."]})
        ids = params.get("technology_ids")
        if not isinstance(ids, list) or not ids:
            raise ValidationError({"params": ["Give “technology_ids”: a non-empty list of technology ids."]})
        cleaned = []
        for value in ids:
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValidationError({"params": [f"Technology id “{value}” is not a number."]}) from None
            if isinstance(value, bool) or (technology_ids is not None and number not in technology_ids):
                raise ValidationError({"params": [f"No technology with id {value} in this workspace."]})
            if number not in cleaned:
                cleaned.append(number)
        return {"mode": mode, "technology_ids": sorted(cleaned)}
    if kind == KIND_TRIGGER_EVENT:
        types = _string_list(params, "signal_types", "signal types")
        unknown = [value for value in types if signal_types is not None and value not in signal_types]
        if unknown:
            raise ValidationError({"params": [f"Unknown signal type(s): {', '.join(unknown)}."]})
        days = params.get("within_days")
        if isinstance(days, bool):
            days = None
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise ValidationError({"params": ["Give “within_days”: a whole number of days (1–3650)."]}) from None
        if not 1 <= days <= 3650:
            raise ValidationError({"params": ["“within_days” must be between 1 and 3650."]})
        return {"signal_types": types, "within_days": days}
    if kind == KIND_EXISTING_CUSTOMER:
        if params:
            raise ValidationError({"params": ["The existing-customer criterion takes no parameters."]})
        return {}
    raise ValidationError({"kind": [f"Unknown criterion kind “{kind}”."]})


# ---------------------------------------------------------------- labels


def _fmt(value) -> str:
    if isinstance(value, float | Decimal) and value != int(value):
        return f"{value:,}"
    return f"{int(value):,}"


def _range_text(params: dict) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"{_fmt(low)}–{_fmt(high)}"
    if low is not None:
        return f"≥ {_fmt(low)}"
    return f"≤ {_fmt(high)}"


def criterion_label(kind: str, params: dict, technology_names: dict[int, str] | None = None) -> str:
    technology_names = technology_names or {}
    if kind in SET_KINDS:
        return f"{SET_KINDS[kind][1]} in {', '.join(params.get('values', []))}"
    if kind in RANGE_KINDS:
        return f"{RANGE_KINDS[kind][1]} {_range_text(params)}"
    if kind == KIND_TECHNOLOGY:
        names = [technology_names.get(pk, f"#{pk}") for pk in params.get("technology_ids", [])]
        return f"Uses {params.get('mode', 'any')} of {', '.join(names)}"
    if kind == KIND_TRIGGER_EVENT:
        types = ", ".join(value.replace("_", " ") for value in params.get("signal_types", []))
        return f"Trigger event ({types}) within {params.get('within_days')} days"
    if kind == KIND_EXISTING_CUSTOMER:
        return "Existing customer"
    return kind


# ---------------------------------------------------------------- matching


def _match(spec: CriterionSpec, facts: AccountFacts, today: date) -> tuple[bool, str]:
    params = spec.params
    if spec.kind in SET_KINDS:
        attribute, title = SET_KINDS[spec.kind]
        value = getattr(facts, attribute) or ""
        if not value:
            return False, f"{title} unknown"
        wanted = {item.casefold() for item in params.get("values", [])}
        if value.casefold() in wanted:
            return True, f"{title} is {value}"
        return False, f"{title} is {value}"
    if spec.kind in RANGE_KINDS:
        attribute, title = RANGE_KINDS[spec.kind]
        value = getattr(facts, attribute)
        if value is None:
            return False, f"{title} unknown"
        value = Decimal(str(value))
        low, high = params.get("min"), params.get("max")
        inside = (low is None or value >= Decimal(str(low))) and (high is None or value <= Decimal(str(high)))
        return inside, f"{title} {_fmt(value)} {'within' if inside else 'outside'} {_range_text(params)}"
    if spec.kind == KIND_TECHNOLOGY:
        wanted = set(params.get("technology_ids", []))
        in_use = wanted & facts.technology_ids
        mode = params.get("mode", "any")
        if mode == "any":
            matched = bool(in_use)
        elif mode == "all":
            matched = in_use == wanted
        else:
            matched = not in_use
        return matched, f"uses {len(in_use)} of the {len(wanted)} listed"
    if spec.kind == KIND_TRIGGER_EVENT:
        since = today - timedelta(days=int(params.get("within_days", 0)))
        types = set(params.get("signal_types", []))
        hits = sorted(
            (occurred for kind, occurred in facts.signals if kind in types and since <= occurred <= today), reverse=True
        )
        if hits:
            return True, f"{len(hits)} matching event(s), latest {hits[0].isoformat()}"
        return False, f"no matching event since {since.isoformat()}"
    if spec.kind == KIND_EXISTING_CUSTOMER:
        is_customer = facts.status == "customer"
        return is_customer, f"status is {facts.status or 'unknown'}"
    return False, "unknown criterion"


def score_account(facts: AccountFacts, criteria: list[CriterionSpec], *, today: date) -> FitResult:
    """The fit score (0–100) of one account and its explanation; None without criteria."""
    total = sum(spec.weight for spec in criteria)
    if not criteria or total <= 0:
        return FitResult(score=None)
    results = [(spec, *_match(spec, facts, today)) for spec in criteria]
    disqualified = any(spec.must_have and not matched for spec, matched, _ in results)
    outcomes = []
    for spec, matched, reason in results:
        if spec.must_have and not matched:
            reason = f"{reason} — must-have missed: disqualified"
        points = 0.0 if disqualified or not matched else round(100 * spec.weight / total, 1)
        outcomes.append(
            CriterionOutcome(
                label=spec.label or criterion_label(spec.kind, spec.params),
                matched=matched,
                points=points,
                reason=reason,
                must_have=spec.must_have,
            )
        )
    if disqualified:
        return FitResult(score=0, outcomes=outcomes, disqualified=True)
    matched_weight = sum(spec.weight for spec, matched, _ in results if matched)
    return FitResult(score=round_half_up_ratio(matched_weight, total), outcomes=outcomes)


def signal_lookback_days(criteria: list[CriterionSpec]) -> int | None:
    """How far back signals matter for these criteria (None: signals are not needed)."""
    days = [int(spec.params.get("within_days", 0)) for spec in criteria if spec.kind == KIND_TRIGGER_EVENT]
    return max(days) if days else None


def suggest_tiers(scores: dict[int, int], tiers: list[tuple[int, int | None]]) -> dict[int, int]:
    """Account id → tier id: fill tiers in rank order up to their capacity; the last tier takes the rest.

    ``scores`` are the scored target accounts' fit scores; they rank best first, ties by id. ``tiers`` are
    (tier id, capacity or None) in rank order; a tier without capacity takes every remaining account. An
    account with fit 0 (it missed a must-have, or nothing fits) goes to the last tier even where a higher
    one has room.
    """
    suggestion: dict[int, int] = {}
    if not tiers:
        return suggestion
    ranked = sorted((pk for pk, score in scores.items() if score > 0), key=lambda pk: (-scores[pk], pk))
    position = 0
    for index, (tier_id, capacity) in enumerate(tiers):
        end = len(ranked) if capacity is None or index == len(tiers) - 1 else position + capacity
        for account_id in ranked[position:end]:
            suggestion[account_id] = tier_id
        position = end
    last_tier_id = tiers[-1][0]
    for account_id, score in scores.items():
        if score <= 0:
            suggestion[account_id] = last_tier_id
    return suggestion


def score_buckets(scores: list[int]) -> list[dict]:
    """Counts in 10-point buckets: 0–9, 10–19, …, 90–100 (100 joins the last bucket)."""
    counts = [0] * 10
    for score in scores:
        counts[min(score // 10, 9)] += 1
    peak = max(counts) or 1
    return [
        {
            "label": f"{low}–{low + 9 if low < 90 else 100}",
            "low": low,
            "count": count,
            "percent": round(100 * count / peak),
        }
        for low, count in zip(range(0, 100, 10), counts, strict=True)
    ]

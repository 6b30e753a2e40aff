"""ICP insights: which account attributes win more deals, in plain statistics.

For closed deals (won or lost):

* baseline win rate = won deals ÷ closed deals;
* per attribute value (industry, employee size band, country, technology in use):
  deals, won, win rate = won ÷ deals, lift = win rate ÷ baseline win rate
  (1.0 = as good as average, 2.0 = wins twice as often);
* suggested criterion per attribute: the values with lift above 1 and at least
  ``min_sample`` deals; its suggested weight is the number of percentage points
  by which deals with those values win more often than the baseline,
  ``round(100 × (win rate of those deals − baseline))``, kept within 1–100.

A deal at an account with several technologies counts once under each.
"""

from dataclasses import dataclass, field

SIZE_BANDS = [(1, 50), (51, 200), (201, 1000), (1001, 5000), (5001, None)]
MIN_SAMPLE = 3
ATTRIBUTES = [
    ("industry", "Industry"),
    ("size_band", "Employee size band"),
    ("country", "Country"),
    ("technology", "Technology in use"),
]


@dataclass(frozen=True)
class DealFacts:
    won: bool
    industry: str = ""
    employee_count: int | None = None
    country: str = ""
    technologies: tuple[tuple[int, str], ...] = field(default_factory=tuple)  # (id, name)


def size_band(employees: int | None) -> str:
    if employees is None:
        return ""
    for low, high in SIZE_BANDS:
        if employees >= low and (high is None or employees <= high):
            return f"{low}-{high}" if high is not None else f"{low - 1}+"
    return ""


def _values(deal: DealFacts, attribute: str) -> list:
    if attribute == "industry":
        return [deal.industry] if deal.industry else []
    if attribute == "size_band":
        band = size_band(deal.employee_count)
        return [band] if band else []
    if attribute == "country":
        return [deal.country] if deal.country else []
    return list(deal.technologies)


def _rate(won: int, total: int) -> float | None:
    return won / total if total else None


def compute_insights(deals: list[DealFacts], *, min_sample: int = MIN_SAMPLE) -> dict:
    closed = len(deals)
    won = sum(1 for deal in deals if deal.won)
    baseline = _rate(won, closed)
    attributes = []
    for attribute, title in ATTRIBUTES:
        tally: dict = {}
        for deal in deals:
            for value in _values(deal, attribute):
                counts = tally.setdefault(value, [0, 0])
                counts[0] += 1
                counts[1] += int(deal.won)
        rows = []
        for value, (total, wins) in tally.items():
            rate = _rate(wins, total)
            lift = rate / baseline if baseline else None
            rows.append(
                {
                    "value": value[1] if attribute == "technology" else value,
                    "key": value[0] if attribute == "technology" else value,
                    "deals": total,
                    "won": wins,
                    "win_rate": round(rate, 4),
                    "lift": round(lift, 2) if lift is not None else None,
                    "enough_data": total >= min_sample,
                }
            )
        rows.sort(key=lambda row: (-(row["lift"] or 0), -row["deals"], str(row["value"])))
        chosen = [row for row in rows if row["enough_data"] and row["lift"] is not None and row["lift"] > 1]
        suggestion = None
        if chosen:
            keys = {row["key"] for row in chosen}
            matching = [deal for deal in deals if keys & {_key(value, attribute) for value in _values(deal, attribute)}]
            rate = _rate(sum(1 for deal in matching if deal.won), len(matching))
            weight = max(1, min(100, round(100 * (rate - baseline))))
            suggestion = {
                "values": [row["key"] for row in chosen],
                "labels": [row["value"] for row in chosen],
                "deals": len(matching),
                "win_rate": round(rate, 4),
                "weight": weight,
            }
        attributes.append({"attribute": attribute, "title": title, "rows": rows, "suggestion": suggestion})
    return {
        "closed": closed,
        "won": won,
        "baseline": round(baseline, 4) if baseline is not None else None,
        "min_sample": min_sample,
        "attributes": attributes,
    }


def _key(value, attribute: str):
    return value[0] if attribute == "technology" else value


def suggested_criterion(attribute: str, suggestion: dict) -> tuple[str, dict]:
    """The ICP criterion (kind, params) that a suggestion stands for."""
    if attribute == "industry":
        return "industry", {"values": suggestion["values"]}
    if attribute == "country":
        return "country", {"values": suggestion["values"]}
    if attribute == "technology":
        return "technology", {"mode": "any", "technology_ids": sorted(suggestion["values"])}
    bounds = [SIZE_BANDS[[size_band(low) for low, _ in SIZE_BANDS].index(band)] for band in suggestion["values"]]
    low = min(band[0] for band in bounds)
    high = None if any(band[1] is None for band in bounds) else max(band[1] for band in bounds)
    return "employees", {"min": low, "max": high}

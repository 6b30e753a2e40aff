"""Fit-score maths with hand-computed values."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from icp.scoring import (
    AccountFacts,
    CriterionSpec,
    clean_params,
    criterion_label,
    round_half_up_ratio,
    score_account,
    score_buckets,
    suggest_tiers,
)

TODAY = date(2026, 11, 23)
FACTS = AccountFacts(
    industry="Software",
    employee_count=800,
    annual_revenue=Decimal("120000000.00"),
    country="DE",
    company_type="private",
    growth_rate=Decimal("12.50"),
    status="prospect",
    technology_ids=frozenset({1, 2}),
    signals=(("funding", date(2026, 10, 1)), ("job_posting", date(2025, 1, 1))),
)


def spec(kind, params, weight=10, must_have=False):
    return CriterionSpec(kind=kind, params=params, weight=weight, must_have=must_have)


def test_weighted_score_and_explanation():
    criteria = [
        spec("industry", {"values": ["software", "Fintech"]}, weight=30),  # matches (case-insensitive)
        spec("employees", {"min": 200, "max": 5000}, weight=20),  # matches
        spec("country", {"values": ["US", "GB"]}, weight=25),  # misses
        spec("technology", {"mode": "any", "technology_ids": [2, 9]}, weight=15),  # matches
        spec("existing_customer", {}, weight=10),  # misses
    ]
    result = score_account(FACTS, criteria, today=TODAY)
    # 100 × (30 + 20 + 15) / 100 = 65
    assert result.score == 65
    assert [(row["matched"], row["points"]) for row in result.explanation] == [
        (True, 30.0),
        (True, 20.0),
        (False, 0.0),
        (True, 15.0),
        (False, 0.0),
    ]
    assert result.explanation[0]["criterion"] == "Industry in software, Fintech"
    assert result.explanation[1]["reason"] == "Employees 800 within 200–5,000"
    assert result.explanation[2]["reason"] == "Country is DE"
    assert result.explanation[4]["reason"] == "status is prospect"


def test_rounding_is_half_up():
    # 1 of 8 weight points: 12.5 → 13 (Python's round() would give 12)
    criteria = [spec("industry", {"values": ["Software"]}, weight=1), spec("country", {"values": ["US"]}, weight=7)]
    assert score_account(FACTS, criteria, today=TODAY).score == 13
    assert round_half_up_ratio(3, 8) == 38
    assert round_half_up_ratio(1, 3) == 33
    assert round_half_up_ratio(2, 3) == 67


def test_must_have_miss_scores_zero():
    criteria = [
        spec("industry", {"values": ["Software"]}, weight=50),
        spec("country", {"values": ["US"]}, weight=10, must_have=True),
    ]
    result = score_account(FACTS, criteria, today=TODAY)
    assert result.score == 0
    assert result.disqualified is True
    assert [row["points"] for row in result.explanation] == [0.0, 0.0]
    assert result.explanation[1]["reason"] == "Country is DE — must-have missed: disqualified"


def test_must_have_hit_scores_normally():
    criteria = [
        spec("industry", {"values": ["Software"]}, weight=1, must_have=True),
        spec("country", {"values": ["US"]}, weight=2),
    ]
    assert score_account(FACTS, criteria, today=TODAY).score == 33  # 100 × 1/3


@pytest.mark.parametrize(
    ("criterion", "matched"),
    [
        (spec("employees", {"min": 800, "max": None}), True),
        (spec("employees", {"min": None, "max": 799}), False),
        (spec("revenue", {"min": 100_000_000}), True),
        (spec("revenue", {"max": 50_000_000}), False),
        (spec("growth", {"min": 12.5, "max": 20}), True),
        (spec("growth", {"min": -10, "max": 12.49}), False),
        (spec("company_type", {"values": ["private"]}), True),
        (spec("company_type", {"values": ["public"]}), False),
        (spec("technology", {"mode": "all", "technology_ids": [1, 2]}), True),
        (spec("technology", {"mode": "all", "technology_ids": [1, 3]}), False),
        (spec("technology", {"mode": "none", "technology_ids": [3]}), True),
        (spec("technology", {"mode": "none", "technology_ids": [2, 3]}), False),
        (spec("trigger_event", {"signal_types": ["funding"], "within_days": 60}), True),  # 53 days ago
        (spec("trigger_event", {"signal_types": ["funding"], "within_days": 52}), False),
        (spec("trigger_event", {"signal_types": ["job_posting"], "within_days": 365}), False),
        (spec("existing_customer", {}), False),
    ],
)
def test_each_kind_matches(criterion, matched):
    result = score_account(FACTS, [criterion], today=TODAY)
    assert result.explanation[0]["matched"] is matched
    assert result.score == (100 if matched else 0)


def test_unknown_facts_miss_and_say_why():
    result = score_account(
        AccountFacts(), [spec("employees", {"min": 1}), spec("industry", {"values": ["X"]})], today=TODAY
    )
    assert result.score == 0
    assert [row["reason"] for row in result.explanation] == ["Employees unknown", "Industry unknown"]


def test_existing_customer():
    customer = AccountFacts(status="customer")
    assert score_account(customer, [spec("existing_customer", {})], today=TODAY).score == 100


def test_no_criteria_no_score():
    assert score_account(FACTS, [], today=TODAY).score is None


def test_clean_params_normalizes_and_refuses():
    assert clean_params("country", {"values": ["de", " fr", "de"]}, country_codes={"DE", "FR"}) == {
        "values": ["DE", "FR"]
    }
    assert clean_params("employees", {"min": "200", "max": ""}) == {"min": 200, "max": None}
    assert clean_params("technology", {"mode": "all", "technology_ids": ["5", 3]}, technology_ids={3, 5}) == {
        "mode": "all",
        "technology_ids": [3, 5],
    }
    assert clean_params(
        "trigger_event", {"signal_types": ["funding"], "within_days": "30"}, signal_types={"funding"}
    ) == {
        "signal_types": ["funding"],
        "within_days": 30,
    }
    refusals = [
        ("industry", {"values": []}, "Give “values”: a non-empty list of industries."),
        ("employees", {}, "Give “min”, “max” or both."),
        ("employees", {"min": 10, "max": 5}, "“min” cannot be greater than “max”."),
        ("revenue", {"min": "lots"}, "“min” must be a number."),
        ("country", {"values": ["XX"]}, "Unknown country code(s): XX."),
        ("technology", {"mode": "some", "technology_ids": [1]}, "“mode” must be one of any, all, none."),
        ("technology", {"mode": "any", "technology_ids": [99]}, "No technology with id 99 in this workspace."),
        ("trigger_event", {"signal_types": ["funding"], "within_days": 0}, "“within_days” must be between 1 and 3650."),
        ("existing_customer", {"x": 1}, "The existing-customer criterion takes no parameters."),
    ]
    for kind, params, message in refusals:
        with pytest.raises(ValidationError) as error:
            clean_params(kind, params, technology_ids={1}, country_codes={"DE"}, signal_types={"funding"})
        assert error.value.message_dict == {"params": [message]}, kind


def test_labels():
    assert criterion_label("employees", {"min": 200, "max": None}) == "Employees ≥ 200"
    assert criterion_label("revenue", {"min": None, "max": 5_000_000}) == "Annual revenue ≤ 5,000,000"
    assert criterion_label("technology", {"mode": "none", "technology_ids": [1, 2]}, {1: "HubSpot"}) == (
        "Uses none of HubSpot, #2"
    )
    assert criterion_label("trigger_event", {"signal_types": ["leadership_hire"], "within_days": 90}) == (
        "Trigger event (leadership hire) within 90 days"
    )


def test_suggest_tiers_fills_by_rank_within_capacity():
    scores = {pk: 100 - pk for pk in range(1, 11)}  # ten accounts, best first
    assert suggest_tiers(scores, [(100, 2), (200, 3), (300, None)]) == {
        1: 100,
        2: 100,
        3: 200,
        4: 200,
        5: 200,
        6: 300,
        7: 300,
        8: 300,
        9: 300,
        10: 300,
    }
    # every tier capped: the last one takes the overflow (and then shows over capacity)
    first_five = {pk: score for pk, score in scores.items() if pk <= 5}
    assert suggest_tiers(first_five, [(100, 1), (200, 1)]) == {1: 100, 2: 200, 3: 200, 4: 200, 5: 200}
    assert suggest_tiers({}, [(100, 1)]) == {}
    # ties rank by id
    assert suggest_tiers({7: 50, 3: 50, 5: 60}, [(100, 1), (200, 1), (300, None)]) == {5: 100, 3: 200, 7: 300}


def test_an_account_with_fit_0_goes_to_the_last_tier_even_where_a_higher_one_has_room():
    scores = {1: 80, 2: 0, 3: 0}

    assert suggest_tiers(scores, [(100, 2), (200, 5), (300, 20)]) == {1: 100, 2: 300, 3: 300}
    assert suggest_tiers(scores, [(100, None)]) == {1: 100, 2: 100, 3: 100}


def test_score_buckets():
    buckets = score_buckets([0, 9, 10, 55, 59, 100, 90])
    assert [bucket["count"] for bucket in buckets] == [2, 1, 0, 0, 0, 2, 0, 0, 0, 2]
    assert buckets[9]["label"] == "90–100"
    assert [bucket["percent"] for bucket in buckets][:2] == [100, 50]

"""Automatic persona matching: exact outcomes and explanations (pure functions, no database)."""

from personas.matching import PersonaRules, match_persona

LABELS = {"c_level": "C-level", "vp": "Vice president", "director": "Director", "manager": "Manager"}

FINANCE = PersonaRules(
    1, "Finance leader", ("CFO", "finance", "chief financial officer"), ("Finance",), ("c_level", "vp")
)
IT = PersonaRules(2, "IT leader", ("CIO", "CTO", "IT"), ("IT", "Engineering"), ("c_level", "vp", "director"))
CHAMPION = PersonaRules(3, "Operations champion", ("operations", "ops"), (), ("manager", "director"))
ANY_EXEC = PersonaRules(4, "Any executive", (), (), ("c_level",))
EMPTY = PersonaRules(5, "Hand-picked", (), (), ())
ALL = [FINANCE, IT, CHAMPION, ANY_EXEC, EMPTY]


def match(title="", department="", seniority="", personas=ALL):
    return match_persona(
        title=title, department=department, seniority=seniority, personas=personas, seniority_labels=LABELS
    )


def test_title_and_seniority():
    result = match(title="Group CFO", seniority="c_level")
    assert (result.persona_id, result.score, result.reason) == (1, 5, "title contains “CFO”; seniority C-level")


def test_title_department_and_seniority_add_up():
    result = match(title="Chief Financial Officer", department=" finance ", seniority="vp")
    assert (result.persona_id, result.score, result.reason) == (
        1,
        7,
        "title contains “chief financial officer”; department “Finance”; seniority Vice president",
    )


def test_whole_words_only_any_case():
    assert match(title="cfo", personas=[FINANCE]).reason == "title contains “CFO”"
    assert match(title="CFOs office manager", personas=[FINANCE]) is None
    # "IT" must not hit inside "Security" or "Digital".
    assert match(title="Digital Security Lead", personas=[IT]) is None
    assert match(title="Head of IT", personas=[IT]).reason == "title contains “IT”"


def test_seniority_outside_the_list_excludes():
    assert match(title="Finance analyst", seniority="individual", personas=[FINANCE]) is None
    # Unknown seniority does not exclude; it earns nothing.
    assert match(title="Finance analyst", personas=[FINANCE]).reason == "title contains “finance”"


def test_seniority_alone_needs_a_persona_of_seniority_only():
    # A C-level contact with no title hit matches only the seniority-only persona.
    result = match(title="Chief Marketing Officer", seniority="c_level")
    assert (result.persona_id, result.reason) == (4, "seniority C-level")
    assert match(title="Chief Marketing Officer") is None


def test_persona_without_rules_never_matches():
    assert match(title="Anything", department="Finance", seniority="c_level", personas=[EMPTY]) is None


def test_higher_score_wins_then_longer_keyword_then_name_then_id():
    # IT: title "CTO" (4) + department "Engineering" (2) + seniority (1) = 7 beats Any executive (1).
    assert match(title="CTO", department="Engineering", seniority="c_level").persona_id == 2
    # Same score: the longer (more specific) keyword wins.
    short = PersonaRules(10, "B ops", ("ops",), (), ())
    long = PersonaRules(11, "A operations", ("revenue operations",), (), ())
    assert match(title="Revenue Operations ops lead", personas=[short, long]).persona_id == 11
    # Same score and keyword length: name (case-insensitive), then id; input order does not matter.
    first = PersonaRules(21, "alpha", ("lead",), (), ())
    second = PersonaRules(20, "Beta", ("lead",), (), ())
    twin = PersonaRules(19, "Alpha", ("lead",), (), ())
    assert match(title="Team lead", personas=[second, first, twin]).persona_id == 19
    assert match(title="Team lead", personas=[twin, first, second]).persona_id == 19


def test_department_alone_is_role_evidence():
    result = match(title="Analyst", department="engineering", seniority="director")
    assert (result.persona_id, result.reason) == (2, "department “Engineering”; seniority Director")


def test_no_match():
    assert match(title="Receptionist", department="Front desk", seniority="individual") is None

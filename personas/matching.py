"""Automatic persona matching: which persona a contact is, and why. Pure functions, no database.

The rules of a persona are its ``title_keywords``, ``departments`` and
``seniorities``. For one contact (title, department, seniority):

* a **title keyword** hits when it occurs in the title as whole words,
  case-insensitively (“CFO” hits “Group CFO”, not “CFOs”; “VP” does not hit
  “SVP”); the longest hitting keyword is reported;
* a **department** hits when it equals the contact's department, ignoring case
  and surrounding spaces;
* a **seniority** hits when the contact's seniority is one of the listed values.

A persona is a candidate when

1. it has at least one rule;
2. if it lists title keywords or departments, at least one of them hits (the
   role evidence; seniority alone never makes a finance persona out of a
   marketing VP);
3. if it lists seniorities and the contact has a seniority, it is one of them
   (a contact whose seniority is unknown is not excluded, it just earns no
   seniority points);
4. if it lists only seniorities, the seniority hits.

Candidates are ranked by score (title keyword 4, department 2, seniority 1),
then by the length of the hitting keyword (more specific wins), then by name
(case-insensitive) and id, so the outcome never depends on input order.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

TITLE_POINTS = 4
DEPARTMENT_POINTS = 2
SENIORITY_POINTS = 1


@dataclass(frozen=True)
class PersonaRules:
    persona_id: int
    name: str
    title_keywords: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonaMatch:
    persona_id: int
    name: str
    score: int
    reason: str


def rules_from_personas(personas: Iterable) -> list[PersonaRules]:
    """PersonaRules from Persona rows (or anything with the same attributes)."""
    return [
        PersonaRules(
            persona_id=persona.pk,
            name=persona.name,
            title_keywords=tuple(persona.title_keywords or ()),
            departments=tuple(persona.departments or ()),
            seniorities=tuple(persona.seniorities or ()),
        )
        for persona in personas
    ]


def _title_hit(title: str, keywords: Iterable[str]) -> str | None:
    """The longest keyword occurring in ``title`` as whole words (ties: first listed)."""
    best = None
    for keyword in keywords:
        words = keyword.strip()
        if not words:
            continue
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(part) for part in words.split()) + r"(?!\w)"
        if re.search(pattern, title, flags=re.IGNORECASE) and (best is None or len(words) > len(best)):
            best = words
    return best


def _department_hit(department: str, departments: Iterable[str]) -> str | None:
    wanted = department.strip().casefold()
    if not wanted:
        return None
    return next((value.strip() for value in departments if value.strip().casefold() == wanted), None)


def evaluate(rules: PersonaRules, *, title: str, department: str, seniority: str, seniority_labels=None):
    """(score, keyword length, reason) when ``rules`` match the contact, else None."""
    if not (rules.title_keywords or rules.departments or rules.seniorities):
        return None
    keyword = _title_hit(title or "", rules.title_keywords) if rules.title_keywords else None
    dept = _department_hit(department or "", rules.departments) if rules.departments else None
    seniority_hit = bool(seniority) and seniority in rules.seniorities
    if (rules.title_keywords or rules.departments) and keyword is None and dept is None:
        return None
    if rules.seniorities and seniority and not seniority_hit:
        return None
    if not (rules.title_keywords or rules.departments) and not seniority_hit:
        return None
    parts, score = [], 0
    if keyword is not None:
        parts.append(f"title contains “{keyword}”")
        score += TITLE_POINTS
    if dept is not None:
        parts.append(f"department “{dept}”")
        score += DEPARTMENT_POINTS
    if seniority_hit:
        label = (seniority_labels or {}).get(seniority, seniority)
        parts.append(f"seniority {label}")
        score += SENIORITY_POINTS
    return score, len(keyword or ""), "; ".join(parts)


def match_persona(
    *, title: str, department: str, seniority: str, personas: Iterable[PersonaRules], seniority_labels=None
) -> PersonaMatch | None:
    """The best-matching persona for a contact with its explanation, or None when none matches."""
    best_key, best = None, None
    for rules in personas:
        outcome = evaluate(
            rules, title=title, department=department, seniority=seniority, seniority_labels=seniority_labels
        )
        if outcome is None:
            continue
        score, keyword_length, reason = outcome
        key = (-score, -keyword_length, rules.name.casefold(), rules.persona_id)
        if best_key is None or key < best_key:
            best_key, best = key, PersonaMatch(rules.persona_id, rules.name, score, reason)
    return best

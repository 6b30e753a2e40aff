"""The account page's repeated markup: engagement figures and badges, committee rows and hierarchy rows.

Tags rather than template loops: a page shows dozens of these, and Django's template engine spends
several times more on their small branches and per-value escaping than on everything else the page
does (ADR 0009). ``_html`` is ``format_html`` without its lazy-translation checks: every value is
escaped unless it is already HTML; the markup is the one the template had.
"""

from django import template
from django.utils.safestring import SafeString

from accounts.engagement import Change
from personas.templatetags.abs_labels import choice

from .list_rows import escape

register = template.Library()

NO_CHANGE = SafeString('<span class="change change-none" title="Nothing in either period">—</span>')
NOBODY = SafeString('<span class="muted">nobody</span>')
COVERED = SafeString('<span class="status status-customer">Covered</span>')
WITH_SUBSIDIARIES = SafeString(' <span class="muted">(with subsidiaries)</span>')
CURRENT_ROW = SafeString(' class="current" aria-current="true"')


def _html(markup: str, *values) -> SafeString:
    """``markup.format(*values)`` with every value escaped unless it is HTML already (``__html__``)."""
    return SafeString(
        markup.format(*(value.__html__() if hasattr(value, "__html__") else escape(value) for value in values))
    )


@register.simple_tag
def change_badge(change: Change, window_days: int, compact: bool = False) -> SafeString:
    """``▲ +3 (+50 %)``, ``▼ -1``, ``±0``, ``new`` or ``—``, titled with the baseline; ``compact`` leaves
    out the percentage."""
    trend = change.trend
    if trend == "none":
        return NO_CHANGE
    if trend == "new":
        return _html('<span class="change change-new" title="None in the {} days before">new</span>', window_days)
    if trend == "flat":
        return _html(
            '<span class="change change-flat" title="Also {} in the {} days before">±0{}</span>',
            change.baseline,
            window_days,
            "" if compact else " (0 %)",
        )
    return _html(
        '<span class="change change-{}" title="{} in the {} days before">{} {}{}</span>',
        trend,
        change.baseline,
        window_days,
        "▲" if trend == "up" else "▼",
        f"{change.absolute:+d}",
        "" if compact else f" ({change.percent:+d} %)",
    )


@register.simple_tag
def engagement_figures(engagement, window_days: int) -> SafeString:
    """The engagement summary's touches, responses and engaged contacts, each with its badge and baseline."""
    return SafeString(
        "\n".join(
            _html(
                '<div><dt>{}</dt><dd><strong>{}</strong> {} <span class="muted">before: {}</span></dd></div>',
                label,
                change.current,
                change_badge(change, window_days),
                change.baseline,
            )
            for label, change in (
                ("Touches (outbound)", engagement.touches),
                ("Responses (inbound)", engagement.responses),
                ("Engaged contacts", engagement.engaged_contacts),
            )
        )
    )


def _member(member: dict) -> str:
    contact, freshness = member["contact"], member["freshness"]
    role = choice(contact.buying_role, "buying_role")
    return _html(
        '<span class="member fresh-{}">{}{}{} · {}</span>',
        freshness,
        str(contact),
        " · " if role else "",
        role,
        freshness,
    )


@register.simple_tag
def committee_rows(rows: list[dict]) -> SafeString:
    """One table row per required persona (``personas.selectors.committee_map``): its contacts with buying
    role and freshness, and whether it is covered or how many contacts it still needs."""
    return SafeString(
        "\n".join(
            _html(
                '<tr class="{}"><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td></tr>',
                "gap" if row["gap"] else "covered",
                row["persona_name"],
                row["min_contacts"],
                SafeString("<br>".join(_member(member) for member in row["members"])) if row["members"] else NOBODY,
                _html('<span class="status status-churned">Gap: needs {} more</span>', row["gap"].missing)
                if row["gap"]
                else COVERED,
            )
            for row in rows
        )
    )


@register.simple_tag
def other_contacts(members: list[dict]) -> SafeString:
    """The account's contacts outside the required committee: ``Name (persona), Name, …``."""
    return SafeString(
        ", ".join(
            _html("{} ({})", str(member["contact"]), member["contact"].persona_name)
            if member["contact"].persona_name
            else escape(member["contact"])
            for member in members
        )
    )


def _tree_name(row: dict, current_id: int, accounts_url: str) -> SafeString:
    account = row["account"]
    if account.pk == current_id:
        name = _html("<strong>{}</strong>", account.name)
    else:
        name = _html('<a href="{}{}/">{}</a>', accounts_url, account.pk, account.name)
    return _html("{}{}{}", "└ " if row["depth"] else "", name, WITH_SUBSIDIARIES if row["has_children"] else "")


@register.simple_tag
def hierarchy_rows(tree: list[dict], current_id: int, accounts_url: str, window_days: int) -> SafeString:
    """One table row per account of ``accounts.selectors.hierarchy_tree``, indented by depth, with its
    subtree's contacts, coverage, open pipeline and engagement; the current account in bold, the others
    linked to their pages (``accounts_url`` + id)."""
    rows = []
    for row in tree:
        engagement = row["engagement"]
        if row["coverage_percent"] is None:
            coverage = "—"
        else:
            coverage = _html(
                '{} % <span class="muted">({}/{})</span>', row["coverage_percent"], row["covered"], row["required"]
            )
        figures = "".join(
            _html('<td class="num">{} {}</td>', count, change_badge(change, window_days, compact=True))
            for count, change in (
                (engagement.current.touches, engagement.touches),
                (engagement.current.responses, engagement.responses),
                (engagement.current.engaged_contacts, engagement.engaged_contacts),
            )
        )
        rows.append(
            _html(
                '<tr{}><td style="padding-left: {}.5rem;" class="depth-{}">{}</td><td class="num">{}</td>'
                '<td>{}</td><td class="num">{}</td>{}</tr>',
                CURRENT_ROW if row["account"].pk == current_id else "",
                row["depth"],
                row["depth"],
                _tree_name(row, current_id, accounts_url),
                row["contacts"],
                coverage,
                row["pipeline"],
                SafeString(figures),
            )
        )
    return SafeString("\n".join(rows))

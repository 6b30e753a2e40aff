"""The account page's markup: every card (header, engagement, firmographics, fit, committee, hierarchy and the
related lists) and the rows inside them.

Tags rather than template: Django's template engine spent several times more on the page's small branches
and per-value escaping than on everything else the page does (ADR 0009). ``_html`` is ``format_html``
without its lazy-translation checks: every value is escaped unless it is already HTML; the markup is the
one the template had.
"""

from functools import lru_cache

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import get_language
from django_countries import countries

from abs_platform.tenancy.markup import escape
from accounts.engagement import Change
from accounts.models import AccountStatus, CompanyType
from icp.models import EngagementModel
from personas.templatetags.abs_labels import choice

register = template.Library()

NO_CHANGE = SafeString('<span class="change change-none" title="Nothing in either period">—</span>')
NOBODY = SafeString('<span class="muted">nobody</span>')
COVERED = SafeString('<span class="status status-customer">Covered</span>')
WITH_SUBSIDIARIES = SafeString(' <span class="muted">(with subsidiaries)</span>')
CURRENT_ROW = SafeString(' class="current" aria-current="true"')
MUST_HAVE = SafeString(' <span class="badge">must-have</span>')
PRIMARY = SafeString(' class="primary"')


def _html(markup: str, *values) -> SafeString:
    """``markup.format(*values)`` with every value escaped unless it is HTML already (``SafeData``)."""
    return SafeString(markup.format(*[value if isinstance(value, SafeData) else escape(value) for value in values]))


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


COMPANY_TYPES = dict(CompanyType.choices)
ENGAGEMENT_MODELS = dict(EngagementModel.choices)
DASH = "—"


def _technologies(technologies: list) -> SafeString | str:
    if not technologies:
        return DASH
    return SafeString(
        ", ".join(
            escape(technology.name)
            if technology.relation == "other"
            else _html(
                '{} <span class="muted">({})</span>', technology.name, choice(technology.relation, "relation").lower()
            )
            for technology in technologies
        )
    )


@lru_cache(maxsize=16)
def _country_names(language: str | None) -> dict[str, str]:
    """django-countries' names in one language (it builds them per lookup: 20 µs a name)."""
    return dict(countries)


def _country_name(code: str) -> str:
    return _country_names(get_language()).get(code, code)


@register.simple_tag
def account_facts(account, technologies: list, currency: str) -> SafeString:
    """The firmographics card's ``<dt>``/``<dd>`` pairs: domain (linked to the website), industry, company type,
    size, revenue, growth, headquarters, offices, technologies (with their relation), owner and last verified."""
    if account.website:
        domain = _html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
            account.website,
            account.domain or account.website,
        )
    else:
        domain = account.domain or DASH
    owner, country = account.owner, account.country  # a Country is built on every access
    facts = (
        ("Domain", domain),
        ("Industry", account.industry or DASH),
        ("Company type", COMPANY_TYPES.get(account.company_type) or DASH),
        ("Employees", DASH if account.employee_count is None else account.employee_count),
        ("Annual revenue", DASH if account.annual_revenue is None else f"{account.annual_revenue} {currency}"),
        ("Growth", DASH if account.growth_rate is None else f"{account.growth_rate} %"),
        (
            "Headquarters",
            f"{account.headquarters or DASH}{f' ({_country_name(country.code)})' if country else ''}",
        ),
        ("Offices", DASH if account.office_count is None else account.office_count),
        ("Technologies", _technologies(technologies)),
        ("Owner", (owner.get_full_name() or owner.username) if owner else "Unassigned"),
        ("Last verified", date_filter(account.last_verified_on) or "never"),
    )
    return SafeString("\n".join(_html("<dt>{}</dt><dd>{}</dd>", label, value) for label, value in facts))


def _explanation_row(item: dict) -> SafeString:
    return _html(
        '<tr><td>{}{}</td><td>{}</td><td class="num">{}</td><td>{}</td></tr>',
        item.get("criterion", ""),
        MUST_HAVE if item.get("must_have") else "",
        "yes" if item.get("matched") else "no",
        item.get("points"),
        item.get("reason"),
    )


@register.simple_tag
def fit_facts(account) -> SafeString:
    """The fit card: score, tier (with its engagement model), a differing suggested tier, the override reason
    and the score's explanation, criterion by criterion."""
    tier = account.tier
    facts = [
        (
            "Fit score",
            "not scored yet" if account.fit_score is None else _html("<strong>{}</strong> / 100", account.fit_score),
        ),
        (
            "Tier",
            _html('{} <span class="muted">({})</span>', tier.name, ENGAGEMENT_MODELS.get(tier.engagement_model, ""))
            if tier
            else "none",
        ),
    ]
    if account.suggested_tier_id and account.suggested_tier_id != account.tier_id:
        facts.append(("Suggested tier", account.suggested_tier.name))
    if account.tier_override_reason:
        facts.append(("Why this tier", account.tier_override_reason))
    html = _html(
        '<dl class="facts">{}</dl>', SafeString("\n".join(_html("<dt>{}</dt><dd>{}</dd>", *fact) for fact in facts))
    )
    if not account.fit_explanation:
        return html
    rows = SafeString("\n".join(_explanation_row(item) for item in account.fit_explanation))
    return _html(
        '{}\n<table class="table fit-explanation">\n<thead><tr><th>Criterion</th><th>Matched</th><th class="num">Points'
        "</th><th>Why</th></tr></thead>\n<tbody>\n{}\n</tbody>\n</table>",
        html,
        rows,
    )


def committee_gaps(gaps: list) -> SafeString:
    """``Persona (needs 2 more), …``: the required personas the committee still lacks."""
    return SafeString(", ".join(_html("{} (needs {} more)", gap.persona_name, gap.missing) for gap in gaps))


# The account's lists, loaded by htmx from the browser API: (card id, noun of its panel and list, title,
# WORKSPACE_LINKS key of the list, new-button label, whether that button is primary, page size, what loads).
RELATED_LISTS = (
    ("contacts", "contact", "Contacts", "contact_api", "New contact", True, 100, "contacts"),
    ("activities", "activity", "Activity", "activity_api", "Log activity", True, 20, "activity"),
    ("signals", "signal", "Signals", "signal_api", "New signal", False, 20, "signals"),
    ("opportunities", "opportunity", "Opportunities", "opportunity_api", "New opportunity", False, 50, "opportunities"),
)


def _related_list(spec: tuple, account_id: int, links: dict, can_edit: bool) -> SafeString:
    card_id, noun, title, link, button, primary, page_size, loading = spec
    api_url = links[link]
    head = (
        _html('<a href="{}?account={}">Open in Contacts</a>', links["contacts"], account_id)
        if noun == "contact"
        else ""
    )
    if can_edit:
        head = _html(
            '{}<button{} hx-get="{}new/?account={}" hx-target="#{}-panel">{}</button>',
            head,
            PRIMARY if primary else "",
            api_url,
            account_id,
            noun,
            button,
        )
    return _html(
        '<section class="card" id="{}">\n<header class="card-head"><h2>{}</h2>\n{}\n</header>\n'
        '<div id="{}-panel"></div>\n<div id="{}-list" hx-get="{}?account={}&page_size={}"'
        ' hx-trigger="load, objectsChanged from:body"><p class="muted">Loading {}…</p></div>\n</section>',
        card_id,
        title,
        head,
        noun,
        noun,
        api_url,
        account_id,
        page_size,
        loading,
    )


# Where the account's id goes in the cached markup of the related lists (ids are integers: no clash).
_ACCOUNT_ID = "\x00"
RELATED_LIST_LINK_KEYS = ("contacts", *(spec[3] for spec in RELATED_LISTS))


@lru_cache(maxsize=512)
def _related_lists_markup(urls: tuple[str, ...], can_edit: bool) -> str:
    """The four cards for any account of a workspace (its links) and edit right, the id left open."""
    links = dict(zip(RELATED_LIST_LINK_KEYS, urls, strict=True))
    contacts, activities, signals, opportunities = (
        _related_list(spec, _ACCOUNT_ID, links, can_edit) for spec in RELATED_LISTS
    )
    return _html('{}\n{}\n<div class="columns">\n{}\n{}\n</div>', contacts, activities, signals, opportunities)


@register.simple_tag
def related_lists(account_id: int, links: dict, can_edit: bool) -> SafeString:
    """The contacts, activity, signals and opportunities cards: each loads its list from the browser API
    (``?account=<id>``) when the page loads and again when anything changes, with a button to add one.
    The markup is built once per workspace and edit right (it was a tenth of the page's rendering)."""
    markup = _related_lists_markup(tuple(links[key] for key in RELATED_LIST_LINK_KEYS), bool(can_edit))
    return SafeString(markup.replace(_ACCOUNT_ID, str(int(account_id))))


STATUSES = dict(AccountStatus.choices)


@register.simple_tag
def account_head(account, ancestors: list, accounts_url: str) -> SafeString:
    """The breadcrumbs (Accounts › each ancestor › the account) and the heading with the account's status."""
    trail = "".join(
        _html(' › <a href="{}{}/">{}</a>', accounts_url, ancestor.pk, ancestor.name) for ancestor in ancestors
    )
    return _html(
        '<nav class="breadcrumbs" aria-label="Hierarchy">\n<a href="{}">Accounts</a>\n{}\n'
        '› <span aria-current="page">{}</span>\n</nav>\n\n<section class="page-head">\n<h1>{}</h1>\n'
        '<span class="status status-{}">{}</span>\n</section>',
        accounts_url,
        SafeString(trail),
        account.name,
        account.name,
        account.status,
        STATUSES.get(account.status, account.status),
    )


@register.simple_tag
def engagement_card(engagement, window_days: int) -> SafeString:
    """The engagement summary: this account's touches, responses and engaged contacts in the window against
    the window before; htmx redraws it (``?part=engagement``) when anything changes."""
    empty = (
        _html('<p class="muted">No activity logged in the last {} days.</p>', 2 * window_days)
        if engagement.is_empty
        else ""
    )
    return _html(
        '<section class="card" id="engagement-summary" hx-get="?part=engagement" hx-trigger="objectsChanged from:body"'
        ' hx-swap="outerHTML">\n<header class="card-head">\n<h2>Engagement</h2>\n'
        '<span class="muted">this account, last {} days, against the {} days before</span>\n</header>\n'
        '<dl class="engagement-figures">\n{}\n</dl>\n{}\n</section>',
        window_days,
        window_days,
        engagement_figures(engagement, window_days),
        empty,
    )


@register.simple_tag
def committee_card(account, committee: dict) -> SafeString:
    """The buying committee map (``personas.selectors.committee_map``): coverage, gaps, one row per required
    persona, the other contacts; htmx redraws it (``?part=committee``) when contacts change."""
    coverage = committee["coverage"]
    badge = ""
    if coverage.required:
        badge = _html(
            '<span class="coverage{}">Coverage {} % ({} of {} personas)</span>',
            " coverage-complete" if coverage.is_complete else "",
            coverage.percent,
            coverage.covered,
            coverage.required,
        )
    if not account.tier:
        body = SafeString('<p class="muted">This account has no tier, so no buying committee is required of it.</p>')
    elif not committee["rows"]:
        body = _html(
            '<p class="muted">{} requires no buying committee yet (admins set it on the Personas page).</p>',
            account.tier.name,
        )
    else:
        gaps = ""
        if committee["gaps"]:
            gaps = _html(
                '<p class="gaps" role="status"><strong>Gaps:</strong>\n{}\n</p>\n', committee_gaps(committee["gaps"])
            )
        body = _html(
            '{}<table class="table committee">\n<thead><tr><th>Required persona</th><th class="num">Needed</th>'
            "<th>Contacts (buying role · freshness)</th><th>State</th></tr></thead>\n<tbody>\n{}\n</tbody>\n</table>",
            gaps,
            committee_rows(committee["rows"]),
        )
    others = ""
    if committee["others"]:
        others = _html('<p class="muted">Other contacts: {}</p>', other_contacts(committee["others"]))
    return _html(
        '<section class="card" id="committee-map" hx-get="?part=committee" hx-trigger="objectsChanged from:body"'
        ' hx-swap="outerHTML">\n<header class="card-head">\n<h2>Buying committee</h2>\n{}\n</header>\n{}\n{}\n'
        '<p class="help">A persona is covered by active contacts verified within the last 365 days.</p>\n</section>',
        badge,
        body,
        others,
    )


@register.simple_tag
def hierarchy_card(
    tree: list[dict], account_id: int, accounts_url: str, window_days: int, currency: str, tree_cut: bool
) -> SafeString:
    """The hierarchy: the tree of ``hierarchy_rows`` with its roll-ups explained, or a note that the account
    has neither parent nor subsidiaries."""
    if len(tree) <= 1:
        body = SafeString('<p class="muted">No parent company or subsidiaries recorded.</p>')
    else:
        body = _html(
            '<table class="table tree">\n<thead><tr><th>Account</th><th class="num">Contacts</th><th>Coverage</th>'
            '<th class="num">Open pipeline ({})</th><th class="num">Touches</th><th class="num">Responses</th>'
            '<th class="num">Engaged contacts</th></tr></thead>\n<tbody>\n{}\n</tbody>\n</table>\n'
            '<p class="help">Figures of a parent add up its whole subtree; coverage there is covered / required'
            " personas over all its accounts. Touches, responses and engaged contacts count the last {} days,"
            " against the {} days before.{}</p>",
            currency,
            hierarchy_rows(tree, account_id, accounts_url, window_days),
            window_days,
            window_days,
            " Only the first accounts of this large hierarchy are shown." if tree_cut else "",
        )
    return _html('<section class="card" id="hierarchy">\n<h2>Hierarchy</h2>\n{}\n</section>', body)

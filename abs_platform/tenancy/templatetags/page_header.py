"""The page header (base.html's top bar), written by a tag.

Every page draws it, and in template form it cost ~75 µs of a page (about 3 % of the account page): a
dozen lookups through the lazy user, a branch per menu entry. The markup is the one the template had; every
value goes through ``escape`` (as autoescaping would) and literal markup is the only unescaped text.
"""

from django import template
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from ..context_processors import workspace_url
from ..markup import escape

register = template.Library()

# The main navigation: (WORKSPACE_LINKS key and ``nav`` value, label); None is the not-yet-available Plays.
MAIN_NAV = (
    ("accounts", "Accounts"),
    ("contacts", "Contacts"),
    ("icp", "ICP"),
    ("personas", "Personas"),
    None,
    ("metrics", "Metrics"),
)
CURRENT = ' aria-current="page"'
PLAYS_LATER = '<span class="nav-later" aria-disabled="true" title="Not available yet">Plays</span>'


def _main_nav(links: dict, current: str) -> str:
    items = [
        PLAYS_LATER
        if item is None
        else f'<a href="{escape(links[item[0]])}"{CURRENT if item[0] == current else ""}>{item[1]}</a>'
        for item in MAIN_NAV
    ]
    return '<nav class="mainnav" aria-label="Main">\n' + "\n".join(items) + "\n</nav>"


def _workspace_menu(context, tenant) -> str:
    links = context["workspace_links"]
    memberships = context.get("switchable_memberships") or []
    role = capfirst(context.get("tenant_role") or "")
    others = [
        f'<a href="{escape(workspace_url("tenancy:home", other.slug))}">{escape(other.name)}</a>'
        for other in (membership.tenant for membership in (memberships() if callable(memberships) else memberships))
        if other.pk != tenant.pk
    ]
    api_keys = f'<a href="{escape(links["api_keys"])}">API keys</a>' if context.get("can_admin") else ""
    return (
        f'<details class="menu">\n<summary title="Switch workspace">{escape(tenant.name)}</summary>\n'
        f'<div class="menu-body">\n<p class="muted">Your role: {escape(role)}</p>\n'
        f'{"".join(others)}\n<a href="{escape(links["members"])}">Members</a>\n{api_keys}\n</div>\n</details>'
    )


def _user_menu(context, user) -> str:
    links = context["site_links"]
    # With the CSRF cookie, app.js fills the token in from it (context_processors.site_links).
    token = "" if context.get("has_csrf_cookie") else escape(context.get("csrf_token") or "")
    admin = f'<a href="{escape(links["admin"])}">Admin</a>' if user.is_staff else ""
    return (
        f'<details class="menu">\n<summary>{escape(user.get_full_name() or user.username)}</summary>\n'
        f'<div class="menu-body">\n<a href="{escape(links["password_change"])}">Change password</a>\n{admin}\n'
        f'<a href="{escape(links["api_docs"])}">API docs</a>\n'
        f'<form method="post" action="{escape(links["logout"])}">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<button class="link">Log out</button></form>\n'
        "</div>\n</details>"
    )


@register.simple_tag(takes_context=True)
def page_header(context) -> SafeString:
    """The top bar: the brand; in a workspace, the main navigation (``nav`` marks the current section) and
    the workspace menu (role, other workspaces, members, API keys for admins); the signed-in user's menu."""
    tenant = context.get("tenant")
    user = context.get("user")
    parts = [f'<a class="brand" href="{escape(context["site_links"]["home"])}">ABS</a>']
    if tenant:
        parts.append(_main_nav(context["workspace_links"], context.get("nav")))
    menus = []
    if tenant:
        menus.append(_workspace_menu(context, tenant))
    if user is not None and user.is_authenticated:
        menus.append(_user_menu(context, user))
    parts.append('<div class="usermenu">\n' + "\n".join(menus) + "\n</div>")
    return SafeString('<header class="topbar">\n' + "\n".join(parts) + "\n</header>")

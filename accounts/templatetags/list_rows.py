"""The account list's rows, built in Python (ADR 0009).

A page of 25 rows drawn by the row partial cost about 6 ms of template rendering (a variable lookup,
filter and escape per cell), more than the rest of the request. These tags write the same ``<tr>``
elements directly. Every value from the data, and every URL from the context, goes through ``escape``
(``django.utils.html.escape``, as the template engine's autoescaping would, less its lazy-string
wrapper); literal markup is the only unescaped text. ``tests/accounts/test_list_rows.py``
holds the former row partial and checks that both draw the same rows.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from abs_platform.tenancy.markup import escape
from accounts.models import AccountStatus

register = template.Library()

GAP_TITLE = "Required personas without a current contact"


# The status cell shows the stored value with a capital (as ``|capfirst`` did), looked up once per status.
STATUS_LABELS = {status: escape(capfirst(status)) for status in AccountStatus.values}


@register.simple_tag(takes_context=True)
def account_rows(context, accounts) -> str:
    """``<tr>`` rows of the accounts (``accounts.api.account_row`` dicts or the serializer's data), with
    selection and row actions when the member may edit; ``account_pages_url`` + id links each name."""
    can_edit = bool(context.get("can_edit"))
    pages_url = escape(context.get("account_pages_url", ""))
    api_url = escape(context.get("api_url", ""))
    rows = "".join([_account_row(account, can_edit, pages_url, api_url) for account in accounts])
    return mark_safe(rows)  # noqa: S308 -- every value in it is escaped (above and in _account_row)


@register.simple_tag(takes_context=True)
def account_row(context, account) -> str:
    """One account's ``<tr>`` (after an edit, or to cancel one)."""
    return account_rows(context, [account])


def _number(value) -> str:
    """An integer's text (nothing to escape), anything else escaped."""
    return str(value) if type(value) is int else escape(value)


def _account_row(account, can_edit: bool, pages_url: str, api_url: str) -> str:
    pk, name = _number(account["id"]), escape(account["name"])
    select = (
        f'<td><input type="checkbox" name="ids" value="{pk}" form="bulk-form" aria-label="Select {name}"></td>'
        if can_edit
        else ""
    )
    not_targeted = "" if account["is_target"] else ' <span class="badge">not targeted</span>'
    employees = account["employee_count"]
    fit = account["fit_score"]
    status = escape(account["status"])
    status_label = STATUS_LABELS.get(account["status"]) or escape(capfirst(account["status"]))
    percent, gaps = account["coverage_percent"], account["coverage_gaps"]
    if percent is None:
        coverage = "—"
    elif gaps:
        plural = "" if gaps == 1 else "s"
        coverage = (
            f'{_number(percent)} % <span class="badge gap" title="{GAP_TITLE}">{_number(gaps)} gap{plural}</span>'
        )
    else:
        coverage = f"{_number(percent)} %"
    actions = (
        f'<button class="link" hx-get="{api_url}{pk}/edit/" hx-target="#account-row-{pk}" hx-swap="outerHTML">Edit'
        "</button>\n"
        f'    <button class="link danger" hx-delete="{api_url}{pk}/" hx-target="#account-row-{pk}" hx-swap="outerHTML"'
        f' hx-confirm="Delete the account “{name}”? Its history stays in the audit log.">Delete</button>'
        if can_edit
        else ""
    )
    return (
        f'\n<tr id="account-row-{pk}">\n'
        f"  {select}\n"
        f'  <td><a href="{pages_url}{pk}/">{name}</a>{not_targeted}</td>\n'
        f"  <td>{escape(account['domain'])}</td>\n"
        f"  <td>{escape(account['industry'])}</td>\n"
        f'  <td class="num">{"" if employees is None else _number(employees)}</td>\n'
        f"  <td>{escape(account['country'])}</td>\n"
        f'  <td><span class="status status-{status}">{status_label}</span></td>\n'
        f'  <td class="num">{"—" if fit is None else _number(fit)}</td>\n'
        f"  <td>{escape(account['tier_name'] or '—')}</td>\n"
        f'  <td class="num">{coverage}</td>\n'
        f"  <td>{escape(account['owner_name'])}</td>\n"
        f'  <td class="actions">\n    {actions}\n  </td>\n'
        "</tr>\n"
    )

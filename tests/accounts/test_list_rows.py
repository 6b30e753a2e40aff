"""The account list's rows (the ``row`` partial of accounts/accounts.html): what each cell shows, controls per
edit right, every value escaped, and the htmx list and row fragments."""

import re

from django.template.loader import render_to_string

from tests.conftest import as_tenant
from tests.factories import AccountFactory

HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


def row(**values):
    base = {
        "id": 7,
        "name": "Acme",
        "domain": "acme.example",
        "industry": "Software",
        "employee_count": 1200,
        "country": "DE",
        "status": "prospect",
        "fit_score": 81,
        "tier_name": "Tier 1",
        "coverage_percent": 50,
        "coverage_gaps": 2,
        "owner_name": "Ada Lovelace",
        "is_target": True,
    }
    return {**base, **values}


ROWS = [
    row(),
    row(id=8, is_target=False, employee_count=None, fit_score=None, tier_name="", coverage_percent=None),
    row(id=9, fit_score=0, employee_count=0, coverage_percent=100, coverage_gaps=0, owner_name="", team_names="A, B"),
    row(id=10, coverage_percent=0, coverage_gaps=1, status="customer"),
    row(
        id=11,
        name=HOSTILE,
        domain=HOSTILE,
        industry=HOSTILE,
        country=HOSTILE,
        tier_name=HOSTILE,
        owner_name=HOSTILE,
        team_names=HOSTILE,
    ),
    row(id=12, status=HOSTILE),
]


def render(rows, **context) -> str:
    return render_to_string("accounts/accounts.html#list", {"data": {"results": rows}, **context})


def cells(html: str, account_id: int) -> list[str]:
    """The text of each cell of one row, tags left out."""
    row = html[html.index(f'<tr id="account-row-{account_id}">') :]
    row = row[: row.index("</tr>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_rows_show_each_account_and_editors_get_selection_and_actions():
    html = render(ROWS[:4], can_edit=True, account_pages_url="/t/a/accounts/", api_url="/t/a/api/accounts/")
    assert cells(html, 7) == [
        "", "Acme", "acme.example", "Software", "1200", "DE", "Prospect", "81", "Tier 1", "50 % 2 gaps",
        "no team", "Ada Lovelace", "Edit Delete",
    ]  # fmt: skip
    assert cells(html, 8)[1:10] == [
        "Acme not targeted",
        "acme.example",
        "Software",
        "",
        "DE",
        "Prospect",
        "—",
        "—",
        "—",
    ]
    assert cells(html, 9)[4] == "0" and cells(html, 9)[7] == "0" and cells(html, 9)[9:12] == ["100 %", "A, B", ""]
    assert cells(html, 10)[6] == "Customer" and cells(html, 10)[9] == "0 % 1 gap"
    assert '<a href="/t/a/accounts/7/">Acme</a>' in html
    assert '<input type="checkbox" name="ids" value="7" form="bulk-form" aria-label="Select Acme">' in html
    assert 'hx-get="/t/a/api/accounts/7/edit/" hx-target="#account-row-7" hx-swap="outerHTML"' in html
    assert 'hx-delete="/t/a/api/accounts/7/"' in html


def test_viewers_get_no_selection_or_actions():
    html = render(ROWS[:4], can_edit=False, account_pages_url="/t/a/accounts/", api_url="/t/a/api/accounts/")
    assert cells(html, 7) == [
        "Acme", "acme.example", "Software", "1200", "DE", "Prospect", "81", "Tier 1", "50 % 2 gaps", "no team",
        "Ada Lovelace", "",
    ]  # fmt: skip
    assert 'name="ids"' not in html and "hx-delete" not in html and "/edit/" not in html


def test_every_value_is_escaped():
    html = render([ROWS[4], ROWS[5]], can_edit=True, account_pages_url="/p/", api_url="/a/")
    assert "<script>" not in html and "'quotes'" not in html and '"x"' not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;"
    # row 11: name (link, checkbox label, delete confirmation), domain, industry, country, tier, teams, owner;
    # row 12: status (class and label)
    assert html.count(escaped) == 11
    assert 'class="status status-&lt;script&gt;' in html and ">&lt;script&gt;alert(" in html


def test_list_and_row_fragments_escape_names(tenant_a, member_a, viewer_a, client_for):
    with as_tenant(tenant_a):
        account = AccountFactory(tenant=tenant_a, name=HOSTILE, industry="<b>Retail</b>")
    member = client_for(member_a)
    listed = member.get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
    one = member.get(f"/t/alpha/api/accounts/{account.pk}/row/", HTTP_HX_REQUEST="true").content.decode()
    for html in (listed, one):
        assert "<script>" not in html and "<b>Retail" not in html
        assert f'<tr id="account-row-{account.pk}">' in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in html
        assert f'<a href="/t/alpha/accounts/{account.pk}/">' in html
        assert 'name="ids"' in html and "hx-delete" in html  # a member may edit
    viewer = client_for(viewer_a).get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
    assert f'<tr id="account-row-{account.pk}">' in viewer and 'name="ids"' not in viewer and "hx-delete" not in viewer

"""The account list's rows built in Python (accounts/templatetags/list_rows.py, ADR 0009) draw what the
former row partial drew, escape every value, and serve the htmx list and row fragments."""

import re
from pathlib import Path

import pytest
from django.template import engines

from tests.conftest import as_tenant
from tests.factories import AccountFactory

# The row partial of accounts/accounts.html before the rows were built in Python: the reference.
FORMER_ROW = (Path(__file__).parent / "former_account_row.html").read_text()
NEW_ROWS = "{% load list_rows %}{% account_rows rows %}"
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
    row(id=9, fit_score=0, employee_count=0, coverage_percent=100, coverage_gaps=0, owner_name=""),
    row(id=10, coverage_percent=0, coverage_gaps=1, status="customer"),
    row(id=11, name=HOSTILE, domain=HOSTILE, industry=HOSTILE, country=HOSTILE, tier_name=HOSTILE, owner_name=HOSTILE),
    row(id=12, status=HOSTILE),
]


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def normalised(html: str) -> str:
    """Whitespace between tags and inside tags does not matter to the browser (or to htmx)."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.mark.parametrize("can_edit", [True, False])
def test_rows_equal_the_former_partial(can_edit):
    context = {
        "rows": ROWS,
        "can_edit": can_edit,
        "account_pages_url": "/t/a/accounts/",
        "api_url": "/t/a/api/accounts/",
    }
    assert normalised(render(NEW_ROWS, **context)) == normalised(render(FORMER_ROW, **context))


def test_every_value_is_escaped():
    html = render(NEW_ROWS, rows=[ROWS[4], ROWS[5]], can_edit=True, account_pages_url="/p/", api_url="/a/")
    assert "<script>" not in html and "'quotes'" not in html and '"x"' not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;"
    # row 11: name (link, checkbox label, delete confirmation), domain, industry, country, tier, owner;
    # row 12: status (class and label)
    assert html.count(escaped) == 10
    assert 'class="status status-&lt;script&gt;' in html and ">&lt;script&gt;alert(" in html


def test_the_context_urls_are_escaped():
    html = render(NEW_ROWS, rows=[row()], can_edit=True, account_pages_url='/"p"/', api_url="/<a>/")
    assert 'href="/&quot;p&quot;/7/"' in html and 'hx-get="/&lt;a&gt;/7/edit/"' in html


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

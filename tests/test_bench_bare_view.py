"""The benchmark's bare view, as the bare Django project serves it: no middleware, no installed app."""

from django.test import Client, override_settings

from bench import views
from tests.factories import AccountFactory


@override_settings(ROOT_URLCONF="bench.urls_bare", MIDDLEWARE=[], BENCH_TENANT_SLUG="alpha")
def test_the_bare_project_serves_the_newest_accounts_of_the_bench_tenant_only(tenant_a, tenant_b):
    views._bench_tenant.cache_clear()
    for name in ("Older", "Newer"):
        AccountFactory(tenant=tenant_a, name=name, domain=f"{name.lower()}.example")
    AccountFactory(tenant=tenant_b, name="Elsewhere")
    response = Client().get("/bench/bare-accounts/")
    views._bench_tenant.cache_clear()
    assert response.status_code == 200
    page = response.json()
    assert (page["next"], page["previous"]) == (None, None)
    assert [(row["name"], row["domain"], row["owner_name"]) for row in page["results"]] == [
        ("Newer", "newer.example", ""),
        ("Older", "older.example", ""),
    ]

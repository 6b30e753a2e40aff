"""Fixtures: two workspaces (A and B), users of every role, API clients with keys.

The test database is created and migrated as the table owner (as in
production), then every test connects as the app role, for which PostgreSQL
row-level security applies.
"""

import os
import re
from contextlib import contextmanager

import environ
import pytest
from django.core.cache import cache
from django.db import connections
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from abs_platform.tenancy import services
from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import ApiKeyScope, Role

from .factories import MembershipFactory, TenantFactory, UserFactory


@contextmanager
def _connect_as(url: str | None):
    """Point the default connection at other credentials (same server) for the block."""
    settings_dict = connections["default"].settings_dict
    if not url:
        yield
        return
    other = environ.Env.db_url_config(url)
    saved = (settings_dict["USER"], settings_dict["PASSWORD"])
    connections["default"].close()
    settings_dict["USER"], settings_dict["PASSWORD"] = other["USER"], other["PASSWORD"]
    try:
        yield
    finally:
        connections["default"].close()
        settings_dict["USER"], settings_dict["PASSWORD"] = saved


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    from django.test.utils import setup_databases, teardown_databases

    owner_url = os.environ.get("DATABASE_OWNER_URL")
    with django_db_blocker.unblock(), _connect_as(owner_url):
        db_config = setup_databases(verbosity=0, interactive=False)
    # Transactional tests end with a flush, whose TRUNCATE only the owner may run (ADR 0017).
    flush = TransactionTestCase._fixture_teardown

    def flush_as_owner(test_case):
        with _connect_as(owner_url):
            flush(test_case)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", flush_as_owner)
        yield
    with django_db_blocker.unblock(), _connect_as(owner_url):
        teardown_databases(db_config, verbosity=0)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (Redis under `make test`): nothing cached leaks between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Production hashing costs ~0.3 s per password; tests only need it to work."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LAZY_PART = re.compile(r'<section[^>]*hx-get="\?part=([\w-]+)" hx-trigger="load"[^>]*>.*?</section>', re.S)


def page_as_loaded(client, url: str) -> str:
    """The page as a browser shows it once htmx has loaded its lazy parts (``hx-get="?part=…"``,
    ``hx-trigger="load"``), each swapped in for its placeholder."""
    html = client.get(url).content.decode()
    return LAZY_PART.sub(lambda match: client.get(f"{url}?part={match[1]}").content.decode(), html)


@contextmanager
def as_tenant(tenant, user=None):
    """Run test set-up code as ``tenant`` (context and row-level security)."""
    with tenant_context(tenant, user), tenant_transaction(tenant):
        yield tenant


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Alpha Corp", slug="alpha")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Bravo Inc", slug="bravo")


def _member(tenant, role, username):
    user = UserFactory(username=username, email=f"{username}@example.com")
    MembershipFactory(tenant=tenant, user=user, role=role)
    return user


@pytest.fixture
def owner_a(tenant_a):
    return _member(tenant_a, Role.OWNER, "owner_a")


@pytest.fixture
def admin_a(tenant_a):
    return _member(tenant_a, Role.ADMIN, "admin_a")


@pytest.fixture
def member_a(tenant_a):
    return _member(tenant_a, Role.MEMBER, "member_a")


@pytest.fixture
def viewer_a(tenant_a):
    return _member(tenant_a, Role.VIEWER, "viewer_a")


@pytest.fixture
def member_b(tenant_b):
    return _member(tenant_b, Role.MEMBER, "member_b")


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the Django test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


def app_connection(**options):
    """A second connection as the app's database role, beside the test's own (another worker, a lock holder)."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        **options,
    )


def make_api_client(tenant, scope=ApiKeyScope.READ_WRITE, created_by=None) -> APIClient:
    with as_tenant(tenant):
        _, raw_key = services.api_key_create(name=f"{scope} key", scope=scope, created_by=created_by)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    api_client.raw_key = raw_key
    return api_client


@pytest.fixture
def api_a(tenant_a, owner_a):
    return make_api_client(tenant_a, created_by=owner_a)


@pytest.fixture
def api_a_read(tenant_a, owner_a):
    return make_api_client(tenant_a, scope=ApiKeyScope.READ, created_by=owner_a)


@pytest.fixture
def api_b(tenant_b):
    return make_api_client(tenant_b, created_by=_member(tenant_b, Role.OWNER, "owner_b"))
